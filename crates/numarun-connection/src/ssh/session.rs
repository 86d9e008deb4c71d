//! One host's SSH session: its connection (its own or the keeper's), the remote shell and host
//! agent of each privilege on it, and what it already read of the host (the prefetch).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OnceCell, Semaphore};

use super::prefetch::Prefetch;
use super::process_event::{ProcessError, ProcessEvent};
use super::remote_agent::RemoteAgent;
use super::remote_shell::RemoteShell;
use super::remote_streams::RemoteStreams;
use super::settings::SshSettings;
use super::transport::Transport;
use crate::agent::{self};
use crate::contract::{Command, ConnectionError, Output};
use crate::privilege::{BecomeMethod, Privilege};
use crate::shell_words::quote as q;

/// Whether a request to the host agent may start it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Start {
    IfNeeded,
    OnlyIfRunning,
}

/// Why a request to a remote process failed.
enum Failure {
    Lost(ConnectionError),
    TimedOut(Duration),
}

impl Failure {
    fn timed_out(&self) -> bool {
        matches!(self, Failure::TimedOut(_))
    }

    fn into_error(self, request: impl FnOnce() -> String) -> ConnectionError {
        match self {
            Failure::Lost(error) => error,
            Failure::TimedOut(limit) => ConnectionError::Timeout(limit, request()),
        }
    }
}

/// One host's connection; reopened on demand when it drops.
pub struct SshSession {
    settings: SshSettings,
    transport: Transport,
    /// Bounds the short-lived exec channels; OpenSSH refuses past `MaxSessions`.
    channels: Semaphore,
    /// One shell per privilege in use, each on its own channel.
    shells: tokio::sync::Mutex<HashMap<Privilege, RemoteShell>>,
    /// One agent per privilege in use, or `None` where it cannot run.
    agents: tokio::sync::Mutex<HashMap<Privilege, Option<RemoteAgent>>>,
    /// Whether sudo asks for a password here, found once.
    sudo_needs_password: OnceCell<bool>,
    /// Whether the login user is root (su then asks no password), found once.
    login_is_root: OnceCell<bool>,
    prefetch: Mutex<Prefetch>,
}

impl SshSession {
    /// Connects and authenticates now, so an unreachable host is known before its first step.
    pub async fn open(settings: SshSettings) -> Result<Arc<SshSession>, ConnectionError> {
        let connection = Arc::new(SshSession {
            transport: Transport::new(&settings)?,
            channels: Semaphore::new(settings.max_sessions),
            settings,
            shells: tokio::sync::Mutex::new(HashMap::new()),
            agents: tokio::sync::Mutex::new(HashMap::new()),
            sudo_needs_password: OnceCell::new(),
            login_is_root: OnceCell::new(),
            prefetch: Mutex::new(Prefetch::default()),
        });
        connection.transport.ensure_connected().await?;
        Ok(connection)
    }

    /// Starting a remote process (a channel opened, its command line sent, its first answer
    /// read) is part of reaching the host, so the connect timeout bounds it. Without this bound
    /// a host that authenticated and then went silent (a stopped sshd child, a login shell that
    /// never answers, a link that drops every packet from here on) held the run for ever: no
    /// command timeout is set by default, as in Ansible, and nothing else had a timer.
    async fn starting<T>(
        &self,
        what: &str,
        start: impl Future<Output = Result<T, ConnectionError>>,
    ) -> Result<T, ConnectionError> {
        let limit = self.settings.ssh_target.connect_timeout;
        match tokio::time::timeout(limit, start).await {
            Ok(started) => started,
            Err(_) => Err(super::direct_ssh::unreachable(
                &self.settings.ssh_target,
                format!("{what} did not answer within {limit:?}"),
            )),
        }
    }

    /// Runs one command line on a channel of its own (for probes before a shell exists), within
    /// the connect timeout: it is one of the first things asked of a host.
    async fn exec(&self, line: &str) -> Result<Output, ConnectionError> {
        self.transport.ensure_connected().await?;
        self.starting("a probe", self.exec_unbounded(line)).await
    }

    async fn exec_unbounded(&self, line: &str) -> Result<Output, ConnectionError> {
        let _slot = self.channels.acquire().await.expect("channel semaphore");
        let RemoteStreams { mut reader, mut writer } = self.transport.start(line).await?;
        if let Err(e) = writer.eof().await {
            return Err(self.lost(e).await);
        }
        let mut output = Output { rc: -1, stdout: Vec::new(), stderr: Vec::new() };
        loop {
            match reader.next().await {
                ProcessEvent::Stdout(data) => output.stdout.extend_from_slice(&data),
                ProcessEvent::Stderr(data) => output.stderr.extend_from_slice(&data),
                ProcessEvent::Exit(status) => output.rc = status as i32,
                ProcessEvent::Killed(_) | ProcessEvent::Eof => {}
                ProcessEvent::Closed | ProcessEvent::Gone => break,
            }
        }
        Ok(output)
    }

    /// The command line that starts `program` with a privilege (under sudo or su when
    /// escalating), and what to write before its first request: the password, which sudo
    /// (`-S`) and su read from stdin, the program then reading the rest. The login shell that
    /// sshd runs it with `exec`s it: dash would otherwise stay as its parent, one process more,
    /// and a signal to the channel would reach only that shell.
    async fn launcher(
        &self,
        privilege: &Privilege,
        program: &str,
    ) -> Result<(String, Option<String>), ConnectionError> {
        if !privilege.escalate {
            return Ok((format!("exec {program}"), None));
        }
        let target = privilege.user.as_deref().unwrap_or("root");
        let user = q(target);
        let password = self.settings.become_password.as_ref().map(|p| format!("{p}\n"));
        Ok(match privilege.method {
            BecomeMethod::Sudo => match password {
                Some(line) if self.sudo_needs_password().await? => {
                    (format!("exec sudo -S -p '' -u {user} -- {program}"), Some(line))
                }
                _ => (format!("exec sudo -n -u {user} -- {program}"), None),
            },
            // `-s`: the target's own shell may be nologin (a service account), as it often is.
            BecomeMethod::Su => {
                let line =
                    format!("exec su -s /bin/sh {user} -c {}", q(&format!("exec {program}")));
                match (self.login_is_root().await?, password) {
                    (true, _) => (line, None),
                    (false, Some(password)) => (line, Some(password)),
                    // Without a password su would take the first request as one.
                    (false, None) => {
                        return Err(ConnectionError::CannotBecome {
                            user: target.to_string(),
                            reason: format!(
                                "su asks for {target}'s password: give it with -K \
                                 (--ask-become-pass) or ansible_become_password"
                            ),
                        });
                    }
                }
            }
        })
    }

    /// Starts the shell that serves a privilege: `/bin/sh`, under sudo or su when escalating.
    async fn start_shell(&self, privilege: &Privilege) -> Result<RemoteShell, ConnectionError> {
        let (launcher, preamble) = self.launcher(privilege, "/bin/sh").await?;
        tracing::debug!(escalate = privilege.escalate, user = ?privilege.user, "starting the remote shell");
        // Connected first, with its own timeout and retries (a booting VM's sshd restarts).
        self.transport.ensure_connected().await?;
        let started = self.starting("the remote shell", async {
            let pipe = self.transport.start(&launcher).await?;
            Ok(RemoteShell::start(pipe, preamble.as_deref().map(str::as_bytes)).await)
        });
        match started.await? {
            Ok(shell) => Ok(shell),
            Err(ProcessError::Ended(_, reason)) if privilege.escalate => {
                Err(ConnectionError::CannotBecome {
                    user: privilege.user.clone().unwrap_or_else(|| "root".into()),
                    // su's prompt comes before its verdict, on the same line.
                    reason: reason.replace("Password: ", ""),
                })
            }
            Err(other) => Err(self.lost(other).await),
        }
    }

    /// Starts the agent that serves a privilege; `None` where it cannot run (no perl, or sudo
    /// refuses: the shell then says why).
    async fn start_agent(
        &self,
        privilege: &Privilege,
    ) -> Result<Option<RemoteAgent>, ConnectionError> {
        let Some(perl) = &self.settings.perl else { return Ok(None) };
        let (launcher, preamble) = self.launcher(privilege, &agent::launcher(perl)).await?;
        tracing::debug!(escalate = privilege.escalate, user = ?privilege.user, "starting the host agent");
        // Connected first, with its own timeout and retries (a booting VM's sshd restarts).
        self.transport.ensure_connected().await?;
        let started = self.starting("the host agent", async {
            let pipe = self.transport.start(&launcher).await?;
            Ok(RemoteAgent::start(pipe, preamble.as_deref().map(str::as_bytes)).await)
        });
        match started.await? {
            Ok(agent) => Ok(Some(agent)),
            Err(error) => match self.lost(&error).await {
                ConnectionError::Unsupported(_)
                    if matches!(error, ProcessError::Ended(..) | ProcessError::Garbled(_)) =>
                {
                    tracing::debug!(%error, "no host agent here: the shell snippets serve");
                    Ok(None)
                }
                lost => Err(lost),
            },
        }
    }

    /// Sends a request to the agent of a privilege, starting it first if `start` allows;
    /// `None` when no agent runs there, so the shell snippets must serve.
    pub(super) async fn ask_agent(
        &self,
        privilege: &Privilege,
        request: &[u8],
        start: Start,
    ) -> Result<Option<agent::Reply>, ConnectionError> {
        let mut agents = self.agents.lock().await;
        if start == Start::IfNeeded && !agents.contains_key(privilege) {
            let agent = self.start_agent(privilege).await?;
            agents.insert(privilege.clone(), agent);
        }
        let Some(Some(agent)) = agents.get_mut(privilege) else { return Ok(None) };
        tracing::trace!(bytes = request.len(), "agent request");
        let outcome = self.bounded(agent.request(request)).await;
        if let Err(failure) = &outcome
            && let Some(Some(agent)) = agents.remove(privilege)
            && failure.timed_out()
        {
            agent.abandon().await;
        }
        outcome
            .map(Some)
            .map_err(|failure| failure.into_error(|| "a request to the host agent".into()))
    }

    /// A request to a remote process, within the command timeout if one is set.
    async fn bounded<T>(
        &self,
        request: impl Future<Output = Result<T, ProcessError>>,
    ) -> Result<T, Failure> {
        let outcome = match self.settings.command_timeout {
            Some(limit) => {
                tokio::time::timeout(limit, request).await.map_err(|_| Failure::TimedOut(limit))?
            }
            None => request.await,
        };
        match outcome {
            Ok(reply) => Ok(reply),
            Err(error) => Err(Failure::Lost(self.lost(error).await)),
        }
    }

    /// Runs a command in the shell of its privilege, starting or restarting the shell as needed.
    pub async fn run(
        &self,
        privilege: &Privilege,
        command: &Command,
    ) -> Result<Output, ConnectionError> {
        if !command.read_only {
            self.prefetch().forget();
        }
        let mut shells = self.shells.lock().await;
        if !shells.contains_key(privilege) {
            let shell = self.start_shell(privilege).await?;
            shells.insert(privilege.clone(), shell);
        }
        let shell = shells.get_mut(privilege).expect("shell started");
        // The program only: not its words (a `no_log` step's), stdin or environment.
        tracing::trace!(
            program = command.program_name(),
            read_only = command.read_only,
            "shell request"
        );
        let outcome = self.bounded(shell.request(command)).await;
        match &outcome {
            Ok(output) => tracing::trace!(rc = output.rc, "shell reply"),
            Err(failure) => {
                tracing::debug!(timed_out = failure.timed_out(), "shell request failed")
            }
        }
        if let Err(failure) = &outcome
            && let Some(shell) = shells.remove(privilege)
            && failure.timed_out()
        {
            shell.abandon().await;
        }
        outcome
            .map_err(|failure| failure.into_error(|| command.display().chars().take(200).collect()))
    }

    async fn lost(&self, error: impl std::fmt::Display) -> ConnectionError {
        self.transport.lost(&self.settings, error).await
    }

    pub(super) fn prefetch(&self) -> std::sync::MutexGuard<'_, Prefetch> {
        self.prefetch.lock().expect("prefetch lock")
    }

    async fn login_is_root(&self) -> Result<bool, ConnectionError> {
        self.login_is_root
            .get_or_try_init(|| async {
                Ok(String::from_utf8_lossy(&self.exec("id -u").await?.stdout).trim() == "0")
            })
            .await
            .copied()
    }

    async fn sudo_needs_password(&self) -> Result<bool, ConnectionError> {
        self.sudo_needs_password
            .get_or_try_init(|| async { Ok(self.exec("sudo -n true").await?.rc != 0) })
            .await
            .copied()
    }
}
