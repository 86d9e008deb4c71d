//! What a remote process does, as the runner hears it (on a channel of its own connection or
//! relayed by the keeper), and how talking to one fails.

use russh::{ChannelMsg, ChannelReadHalf};

/// What a remote process did, in the order the host said it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcessEvent {
    Stdout(Vec<u8>),
    Stderr(Vec<u8>),
    Exit(u32),
    /// Killed by this signal (its name without `SIG`).
    Killed(String),
    /// The end of its output; how it ended comes after.
    Eof,
    /// The channel closed.
    Closed,
    /// The connection is gone, whatever the channel was doing.
    Gone,
}

impl ProcessEvent {
    /// The next event on a channel of a russh session, skipping what no one needs.
    pub async fn next_on(reader: &mut ChannelReadHalf) -> ProcessEvent {
        loop {
            let event = match reader.wait().await {
                Some(ChannelMsg::Data { data }) => ProcessEvent::Stdout(data.to_vec()),
                Some(ChannelMsg::ExtendedData { data, ext: 1 }) => {
                    ProcessEvent::Stderr(data.to_vec())
                }
                Some(ChannelMsg::ExitStatus { exit_status }) => ProcessEvent::Exit(exit_status),
                Some(ChannelMsg::ExitSignal { signal_name, .. }) => {
                    ProcessEvent::Killed(format!("{signal_name:?}"))
                }
                Some(ChannelMsg::Eof) => ProcessEvent::Eof,
                Some(ChannelMsg::Close) => ProcessEvent::Closed,
                None => ProcessEvent::Gone,
                Some(_) => continue,
            };
            return event;
        }
    }

    /// The last event a channel gives.
    pub fn is_end(&self) -> bool {
        matches!(self, ProcessEvent::Closed | ProcessEvent::Gone)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// What ended, and what it or the channel said about why.
    #[error("the remote {0} ended{why}", why = if .1.is_empty() { String::new() } else { format!(" ({})", .1) })]
    Ended(&'static str, String),
    #[error("{0}")]
    Garbled(String),
    #[error(transparent)]
    Ssh(#[from] russh::Error),
    #[error("the connection keeper: {0}")]
    Keeper(#[from] std::io::Error),
}
