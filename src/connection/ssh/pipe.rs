//! A started remote process as the runner sees it: what it writes to the process's stdin and
//! what comes back. The channel is on this run's own connection or relayed by the keeper.

use russh::client::Msg;
use russh::{ChannelMsg, ChannelReadHalf, ChannelWriteHalf};

use super::keeper::kept;
use super::remote_process::ProcessError;

/// What a remote process did, in the order the host said it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
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

impl Event {
    /// The next event on a channel of a russh session, skipping what no one needs.
    pub async fn next_on(reader: &mut ChannelReadHalf) -> Event {
        loop {
            let event = match reader.wait().await {
                Some(ChannelMsg::Data { data }) => Event::Stdout(data.to_vec()),
                Some(ChannelMsg::ExtendedData { data, ext: 1 }) => Event::Stderr(data.to_vec()),
                Some(ChannelMsg::ExitStatus { exit_status }) => Event::Exit(exit_status),
                Some(ChannelMsg::ExitSignal { signal_name, .. }) => Event::Killed(format!("{signal_name:?}")),
                Some(ChannelMsg::Eof) => Event::Eof,
                Some(ChannelMsg::Close) => Event::Closed,
                None => Event::Gone,
                Some(_) => continue,
            };
            return event;
        }
    }

    /// The last event a channel gives.
    pub fn is_end(&self) -> bool {
        matches!(self, Event::Closed | Event::Gone)
    }
}

pub struct Pipe {
    pub reader: PipeReader,
    pub writer: PipeWriter,
}

pub enum PipeReader {
    Channel(ChannelReadHalf),
    Kept(kept::Reader),
}

pub enum PipeWriter {
    Channel(ChannelWriteHalf<Msg>),
    Kept(kept::Writer),
}

impl Pipe {
    pub fn channel((reader, writer): (ChannelReadHalf, ChannelWriteHalf<Msg>)) -> Pipe {
        Pipe { reader: PipeReader::Channel(reader), writer: PipeWriter::Channel(writer) }
    }
}

impl PipeReader {
    pub async fn next(&mut self) -> Event {
        match self {
            PipeReader::Channel(reader) => Event::next_on(reader).await,
            PipeReader::Kept(reader) => reader.next().await,
        }
    }
}

impl PipeWriter {
    pub async fn send(&mut self, data: &[u8]) -> Result<(), ProcessError> {
        match self {
            PipeWriter::Channel(writer) => Ok(writer.data(data).await?),
            PipeWriter::Kept(writer) => Ok(writer.send(data).await?),
        }
    }

    pub async fn eof(&mut self) -> Result<(), ProcessError> {
        match self {
            PipeWriter::Channel(writer) => Ok(writer.eof().await?),
            PipeWriter::Kept(writer) => Ok(writer.eof().await?),
        }
    }

    /// Kills the process and closes its channel.
    pub async fn abandon(self) {
        match self {
            PipeWriter::Channel(writer) => {
                let _ = writer.signal(russh::Sig::KILL).await;
                let _ = writer.close().await;
            }
            PipeWriter::Kept(writer) => writer.abandon().await,
        }
    }
}
