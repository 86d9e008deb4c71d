//! Where a host's remote processes start: on the run's own SSH connection, or on the one the
//! keeper holds (`ControlPersist`).

use super::direct_ssh::{DirectSsh, lost};
use super::keeper::client::KeeperClient;
use super::remote_streams::RemoteStreams;
use super::settings::SshSettings;
use crate::contract::ConnectionError;

pub enum Transport {
    Direct(DirectSsh),
    Keeper(KeeperClient),
}

impl Transport {
    pub fn new(settings: &SshSettings) -> Result<Transport, ConnectionError> {
        let ssh_target = settings.ssh_target.clone();
        Ok(match settings.persist {
            Some(persist) => Transport::Keeper(KeeperClient::new(ssh_target, persist)?),
            None => Transport::Direct(DirectSsh::new(ssh_target)),
        })
    }

    /// Connects and authenticates, unless that is done already.
    pub async fn ensure_connected(&self) -> Result<(), ConnectionError> {
        match self {
            Transport::Direct(direct) => direct.ensure_connected().await,
            Transport::Keeper(keeper) => keeper.ensure_connected().await,
        }
    }

    pub async fn start(&self, command_line: &str) -> Result<RemoteStreams, ConnectionError> {
        match self {
            Transport::Direct(direct) => {
                direct.start(command_line).await.map(RemoteStreams::channel)
            }
            Transport::Keeper(keeper) => {
                keeper.start(command_line).await.map(RemoteStreams::relayed)
            }
        }
    }

    /// An error of a remote process in words (`direct_ssh::lost`).
    pub async fn lost(
        &self,
        settings: &SshSettings,
        error: impl std::fmt::Display,
    ) -> ConnectionError {
        let down = match self {
            Transport::Direct(direct) => direct.is_down().await,
            Transport::Keeper(keeper) => keeper.is_down(),
        };
        lost(&settings.ssh_target, down, error)
    }
}
