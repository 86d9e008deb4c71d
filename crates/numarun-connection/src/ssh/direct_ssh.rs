//! One SSH connection to a host (russh): opened at first use, reopened when it drops, with
//! `ansible_ssh_retries` further attempts after a network failure. A run holds one per host,
//! or the keeper holds it for many runs.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::client::{self, Handle, Msg};
use russh::keys::PublicKey;
use russh::{ChannelReadHalf, ChannelWriteHalf, Preferred};

use super::auth;
use super::host_keys::{HostKeyCheck, HostKeyError};
use super::settings::{Endpoint, SshTarget};
use crate::contract::ConnectionError;

/// The russh client side: verifies the server's key and remembers why it refused one.
struct Client {
    check: HostKeyCheck,
    refusal: Arc<Mutex<Option<HostKeyError>>>,
}

impl client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let verdict = match key {
            russh::keys::PublicKeyOrCertificate::PublicKey { key, .. } => self.check.verify(key),
            russh::keys::PublicKeyOrCertificate::Certificate(_) => {
                Err(HostKeyError::Certificate { host: self.check.address.clone() })
            }
        };
        match verdict {
            Ok(()) => Ok(true),
            Err(refusal) => {
                *self.refusal.lock().expect("refusal lock") = Some(refusal);
                Ok(false)
            }
        }
    }
}

type Session = Handle<Client>;

/// Why a connection attempt failed: only the network's failures are worth another attempt
/// (`ansible_ssh_retries`); a refused key or login stays refused.
enum Failed {
    Network(ConnectionError),
    Refused(ConnectionError),
}

impl From<ConnectionError> for Failed {
    fn from(error: ConnectionError) -> Failed {
        Failed::Refused(error)
    }
}

/// A failure to reach the host, naming it as the user wrote it.
pub fn unreachable(ssh_target: &SshTarget, what: impl std::fmt::Display) -> ConnectionError {
    let endpoint = &ssh_target.endpoint;
    ConnectionError::Unreachable(format!(
        "{}@{}:{}: {what}",
        endpoint.user, endpoint.address, endpoint.port
    ))
}

/// An SSH error in words: the host is unreachable once the connection is down.
pub fn lost(ssh_target: &SshTarget, down: bool, error: impl std::fmt::Display) -> ConnectionError {
    if down {
        unreachable(ssh_target, format!("connection lost: {error}"))
    } else {
        ConnectionError::Unsupported(format!("SSH: {error}"))
    }
}

pub struct DirectSsh {
    ssh_target: SshTarget,
    session: tokio::sync::Mutex<Option<Arc<Session>>>,
    /// The jump host's session, kept alive while the tunnel through it is used.
    jump: tokio::sync::Mutex<Option<Arc<Session>>>,
}

impl DirectSsh {
    pub fn new(ssh_target: SshTarget) -> DirectSsh {
        DirectSsh {
            ssh_target,
            session: tokio::sync::Mutex::new(None),
            jump: tokio::sync::Mutex::new(None),
        }
    }

    /// Starts `command_line` on a channel of its own.
    pub async fn start(
        &self,
        command_line: &str,
    ) -> Result<(ChannelReadHalf, ChannelWriteHalf<Msg>), ConnectionError> {
        let session = self.session().await?;
        tracing::trace!(host = %self.ssh_target.endpoint.address, "opening a channel");
        let channel = session.channel_open_session().await.map_err(|e| self.lost(e, &session))?;
        let (reader, writer) = channel.split();
        writer.exec(true, command_line.as_bytes()).await.map_err(|e| self.lost(e, &session))?;
        tracing::debug!(host = %self.ssh_target.endpoint.address, "process started");
        Ok((reader, writer))
    }

    /// Connects and authenticates, unless that is done already.
    pub async fn ensure_connected(&self) -> Result<(), ConnectionError> {
        self.session().await.map(drop)
    }

    /// Whether the connection is down (until the next use reopens it).
    pub async fn is_down(&self) -> bool {
        self.session.lock().await.as_ref().is_none_or(|session| session.is_closed())
    }

    fn lost(&self, error: impl std::fmt::Display, session: &Session) -> ConnectionError {
        lost(&self.ssh_target, session.is_closed(), error)
    }

    fn check_for(&self, endpoint: &Endpoint) -> Result<HostKeyCheck, ConnectionError> {
        let pinned = self
            .ssh_target
            .pinned
            .iter()
            .map(|line| {
                let base64 = line.split_whitespace().nth(1).unwrap_or(line);
                russh::keys::parse_public_key_base64(base64).map_err(|e| {
                    unreachable(&self.ssh_target, format!("ansible_ssh_host_key `{line}`: {e}"))
                })
            })
            .collect::<Result<Vec<PublicKey>, _>>()?;
        Ok(HostKeyCheck {
            address: endpoint.address.clone(),
            port: endpoint.port,
            file: self.ssh_target.known_hosts.clone(),
            policy: self.ssh_target.policy,
            pinned,
        })
    }

    /// The live session, reconnecting if it dropped.
    async fn session(&self) -> Result<Arc<Session>, ConnectionError> {
        let mut guard = self.session.lock().await;
        if let Some(session) = guard.as_ref().filter(|s| !s.is_closed()) {
            return Ok(Arc::clone(session));
        }
        let mut attempt = 0;
        let endpoint = &self.ssh_target.endpoint;
        let session = loop {
            tracing::debug!(host = %endpoint.address, port = endpoint.port, user = %endpoint.user, attempt, "connecting");
            let failure =
                match tokio::time::timeout(self.ssh_target.connect_timeout, self.connect()).await {
                    Ok(Ok(session)) => break session,
                    Ok(Err(failure)) => failure,
                    Err(_) => Failed::Network(unreachable(
                        &self.ssh_target,
                        format!("no answer within {:?}", self.ssh_target.connect_timeout),
                    )),
                };
            match &failure {
                Failed::Network(error) => {
                    tracing::debug!(host = %endpoint.address, %error, "network failure")
                }
                Failed::Refused(error) => {
                    tracing::debug!(host = %endpoint.address, %error, "refused")
                }
            }
            match failure {
                Failed::Network(_) if attempt < self.ssh_target.retries => {
                    // Ansible's backoff between attempts: 0, 1, 3, 7, 15, then 30 s.
                    tokio::time::sleep(Duration::from_secs((1 << attempt.min(5)) - 1)).await;
                    attempt += 1;
                }
                Failed::Network(error) | Failed::Refused(error) => return Err(error),
            }
        };
        tracing::debug!(host = %endpoint.address, "connected and authenticated");
        *guard = Some(Arc::clone(&session));
        Ok(session)
    }

    async fn connect(&self) -> Result<Arc<Session>, Failed> {
        let target = &self.ssh_target.endpoint;
        let session = match &self.ssh_target.jump {
            None => {
                let stream = tokio::net::TcpStream::connect((target.address.as_str(), target.port))
                    .await
                    .map_err(|e| Failed::Network(unreachable(&self.ssh_target, e)))?;
                stream
                    .set_nodelay(true)
                    .map_err(|e| Failed::Network(unreachable(&self.ssh_target, e)))?;
                self.handshake(target, stream).await?
            }
            Some(jump) => {
                let mut jump_guard = self.jump.lock().await;
                let via = match jump_guard.as_ref().filter(|s| !s.is_closed()) {
                    Some(session) => Arc::clone(session),
                    None => {
                        let stream =
                            tokio::net::TcpStream::connect((jump.address.as_str(), jump.port))
                                .await
                                .map_err(|e| {
                                    Failed::Network(unreachable(
                                        &self.ssh_target,
                                        format!("jump host {}:{}: {e}", jump.address, jump.port),
                                    ))
                                })?;
                        let session = Arc::new(self.handshake(jump, stream).await?);
                        *jump_guard = Some(Arc::clone(&session));
                        session
                    }
                };
                let channel = via
                    .channel_open_direct_tcpip(
                        target.address.clone(),
                        u32::from(target.port),
                        "127.0.0.1",
                        0,
                    )
                    .await
                    .map_err(|e| {
                        Failed::Network(unreachable(
                            &self.ssh_target,
                            format!("through jump host {}: {e}", jump.address),
                        ))
                    })?;
                self.handshake(target, channel.into_stream()).await?
            }
        };
        Ok(Arc::new(session))
    }

    async fn handshake<S>(&self, endpoint: &Endpoint, stream: S) -> Result<Session, Failed>
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let check = self.check_for(endpoint)?;
        let preferred =
            Preferred { key: check.preferred_algorithms().into(), ..Preferred::DEFAULT };
        let (keepalive_interval, keepalive_max) = match self.ssh_target.server_alive {
            Some((interval, count)) => (Some(interval), count),
            None => (None, 0),
        };
        let config = Arc::new(client::Config {
            preferred,
            inactivity_timeout: None,
            keepalive_interval,
            keepalive_max,
            nodelay: true,
            ..client::Config::default()
        });
        let refusal = Arc::new(Mutex::new(None));
        let client = Client { check, refusal: Arc::clone(&refusal) };
        tracing::trace!(host = %endpoint.address, "key exchange");
        let mut session = match client::connect_stream(config, stream, client).await {
            Ok(session) => session,
            Err(e) => {
                let refused = refusal.lock().expect("refusal lock").take();
                return Err(match refused {
                    Some(refusal) => Failed::Refused(unreachable(&self.ssh_target, refusal)),
                    None => Failed::Network(unreachable(
                        &self.ssh_target,
                        format!("SSH handshake with {}:{}: {e}", endpoint.address, endpoint.port),
                    )),
                });
            }
        };
        tracing::trace!(host = %endpoint.address, user = %endpoint.user, "authenticating");
        auth::authenticate(
            &mut session,
            &endpoint.user,
            self.ssh_target.key_file.as_deref(),
            self.ssh_target.agent.as_deref(),
        )
        .await
        .map_err(|e| Failed::Refused(unreachable(&self.ssh_target, e)))?;
        Ok(session)
    }
}
