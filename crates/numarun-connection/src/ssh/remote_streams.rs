//! A started remote process as the runner sees it: what it writes to the process's stdin and
//! what comes back. The channel is on this run's own connection or relayed by the keeper.

use russh::client::Msg;
use russh::{ChannelReadHalf, ChannelWriteHalf};

use super::keeper::client;
use super::process_event::{ProcessError, ProcessEvent};

pub struct RemoteStreams {
    pub reader: RemoteOutput,
    pub writer: RemoteInput,
}

pub enum RemoteOutput {
    Channel(ChannelReadHalf),
    Relayed(client::RelayedOutput),
}

pub enum RemoteInput {
    Channel(ChannelWriteHalf<Msg>),
    Relayed(client::RelayedInput),
}

impl RemoteStreams {
    pub fn channel((reader, writer): (ChannelReadHalf, ChannelWriteHalf<Msg>)) -> RemoteStreams {
        RemoteStreams {
            reader: RemoteOutput::Channel(reader),
            writer: RemoteInput::Channel(writer),
        }
    }

    /// A process the keeper relays.
    pub fn relayed(
        (reader, writer): (client::RelayedOutput, client::RelayedInput),
    ) -> RemoteStreams {
        RemoteStreams {
            reader: RemoteOutput::Relayed(reader),
            writer: RemoteInput::Relayed(writer),
        }
    }
}

impl RemoteOutput {
    pub async fn next(&mut self) -> ProcessEvent {
        match self {
            RemoteOutput::Channel(reader) => ProcessEvent::next_on(reader).await,
            RemoteOutput::Relayed(reader) => reader.next().await,
        }
    }
}

impl RemoteInput {
    pub async fn send(&mut self, data: &[u8]) -> Result<(), ProcessError> {
        match self {
            RemoteInput::Channel(writer) => Ok(writer.data(data).await?),
            RemoteInput::Relayed(writer) => Ok(writer.send(data).await?),
        }
    }

    pub async fn eof(&mut self) -> Result<(), ProcessError> {
        match self {
            RemoteInput::Channel(writer) => Ok(writer.eof().await?),
            RemoteInput::Relayed(writer) => Ok(writer.eof().await?),
        }
    }

    /// Kills the process and closes its channel.
    pub async fn abandon(self) {
        match self {
            RemoteInput::Channel(writer) => {
                let _ = writer.signal(russh::Sig::KILL).await;
                let _ = writer.close().await;
            }
            RemoteInput::Relayed(writer) => writer.abandon().await,
        }
    }
}
