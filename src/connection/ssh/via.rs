//! Where a host's remote processes start: on the run's own SSH connection, or on the one the
//! keeper holds (`ControlPersist`).

use super::keeper::kept::Kept;
use super::link::{Link, lost};
use super::pipe::Pipe;
use super::settings::SshSettings;
use crate::connection::contract::ConnectionError;

pub enum Via {
    Own(Link),
    Keeper(Kept),
}

impl Via {
    pub fn new(settings: &SshSettings) -> Result<Via, ConnectionError> {
        let reach = settings.reach.clone();
        Ok(match settings.persist {
            Some(persist) => Via::Keeper(Kept::new(reach, persist)?),
            None => Via::Own(Link::new(reach)),
        })
    }

    /// Connects and authenticates, unless that is done already.
    pub async fn check(&self) -> Result<(), ConnectionError> {
        match self {
            Via::Own(link) => link.check().await,
            Via::Keeper(kept) => kept.check().await,
        }
    }

    pub async fn start(&self, command_line: &str) -> Result<Pipe, ConnectionError> {
        match self {
            Via::Own(link) => link.start(command_line).await.map(Pipe::channel),
            Via::Keeper(kept) => kept.start(command_line).await.map(Pipe::kept),
        }
    }

    /// An error of a remote process in words (`link::lost`).
    pub async fn lost(
        &self,
        settings: &SshSettings,
        error: impl std::fmt::Display,
    ) -> ConnectionError {
        let down = match self {
            Via::Own(link) => link.is_down().await,
            Via::Keeper(kept) => kept.is_down(),
        };
        lost(&settings.reach, down, error)
    }
}
