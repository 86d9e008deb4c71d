//! A long-lived process on one channel that answers requests written to its stdin: the shell
//! and the agent. sshd sets up a session and a login shell for every exec (about 8 ms here); a
//! process that stays open answers each request for the cost of the request alone.

use super::process_event::{ProcessError, ProcessEvent};
use super::remote_streams::{RemoteInput, RemoteOutput, RemoteStreams};

pub struct RemoteProcess {
    reader: RemoteOutput,
    writer: RemoteInput,
}

/// A reply as its output arrives, until it is whole.
pub trait Incoming {
    type Reply;
    /// What the process is, for messages.
    const WHAT: &'static str;
    fn stdout(&mut self, data: &[u8]) -> Result<(), ProcessError>;
    /// What the process wrote to stderr so far.
    fn stderr(&mut self) -> &mut Vec<u8>;
    fn is_complete(&self) -> bool;
    fn finish(self) -> Self::Reply;
}

impl RemoteProcess {
    pub fn new(pipe: RemoteStreams) -> RemoteProcess {
        RemoteProcess { reader: pipe.reader, writer: pipe.writer }
    }

    /// Writes `input` and reads the reply at the same time. A send waits for window space that
    /// only the host grants; if the host dies meanwhile, only the reader learns it, so the two
    /// must not take turns.
    pub async fn exchange<I: Incoming>(
        &mut self,
        input: &[u8],
        mut reply: I,
    ) -> Result<I::Reply, ProcessError> {
        let mut sending = std::pin::pin!(self.writer.send(input));
        let mut sent = false;
        let ended = |reply: &mut I, how: String| {
            let said = String::from_utf8_lossy(reply.stderr()).trim().to_string();
            let why = [how, said]
                .into_iter()
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join(": ");
            ProcessError::Ended(I::WHAT, why)
        };
        while !(sent && reply.is_complete()) {
            tokio::select! {
                result = &mut sending, if !sent => {
                    result?;
                    sent = true;
                }
                event = self.reader.next() => match event {
                    ProcessEvent::Stdout(data) => reply.stdout(&data)?,
                    ProcessEvent::Stderr(data) => reply.stderr().extend_from_slice(&data),
                    ProcessEvent::Exit(status) => return Err(ended(&mut reply, format!("exit status {status}"))),
                    ProcessEvent::Killed(signal) => return Err(ended(&mut reply, format!("killed by SIG{signal}"))),
                    // The end of its output comes before how the process ended: wait for that.
                    ProcessEvent::Eof => {}
                    ProcessEvent::Closed | ProcessEvent::Gone => return Err(ended(&mut reply, String::new())),
                },
            }
        }
        Ok(reply.finish())
    }

    /// Ends a process whose request timed out: kill it, then close its channel.
    pub async fn abandon(self) {
        self.writer.abandon().await;
    }
}
