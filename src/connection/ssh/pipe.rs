//! A started remote process as the runner sees it: what it writes to the process's stdin and
//! what comes back. The channel is on this run's own connection or relayed by the keeper.

use russh::client::Msg;
use russh::{ChannelReadHalf, ChannelWriteHalf};

use super::keeper::kept;
use super::process_event::{Event, ProcessError};

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

    /// A process the keeper relays.
    pub fn kept((reader, writer): (kept::Reader, kept::Writer)) -> Pipe {
        Pipe { reader: PipeReader::Kept(reader), writer: PipeWriter::Kept(writer) }
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
