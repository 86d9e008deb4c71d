//! A run's side of the keeper: connections asked of it, and the processes it relays.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
use tokio::net::UnixStream;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};

use super::{Frames, KeeperRequest, STDIN_PIECE, failure_of, serve, socket_path, tag, write_frame};
use crate::contract::ConnectionError;
use crate::ssh::direct_ssh::unreachable;
use crate::ssh::process_event::ProcessEvent;
use crate::ssh::settings::SshTarget;

/// One host's connection, held by the keeper.
pub struct KeeperClient {
    socket: PathBuf,
    ssh_target: SshTarget,
    persist: Duration,
    /// Set when the keeper said the connection is gone, or the keeper itself went.
    down: Arc<AtomicBool>,
}

/// A run starts one keeper at a time, so that its hosts do not start one each.
static STARTING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

impl KeeperClient {
    pub fn new(ssh_target: SshTarget, persist: Duration) -> Result<KeeperClient, ConnectionError> {
        let socket = socket_path().map_err(|e| unreachable(&ssh_target, e))?;
        Ok(KeeperClient { socket, ssh_target, persist, down: Arc::new(AtomicBool::new(false)) })
    }

    /// Connects and authenticates now, if the keeper has not already.
    pub async fn ensure_connected(&self) -> Result<(), ConnectionError> {
        self.ask(None).await.map(drop)
    }

    /// Starts a process on the kept connection: its events and its stdin.
    pub async fn start(
        &self,
        command_line: &str,
    ) -> Result<(RelayedOutput, RelayedInput), ConnectionError> {
        let (frames, writer) = self.ask(Some(command_line.to_string())).await?;
        let reader = RelayedOutput { frames, down: Arc::clone(&self.down) };
        Ok((reader, RelayedInput { half: writer }))
    }

    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Relaxed)
    }

    /// A stream whose process (if any) has started: its frames (which keep what was read past
    /// the answer: the process's first events may come in the same read) and its writing half.
    async fn ask(
        &self,
        command: Option<String>,
    ) -> Result<(Frames<OwnedReadHalf>, OwnedWriteHalf), ConnectionError> {
        let failed = |e: std::io::Error| {
            unreachable(
                &self.ssh_target,
                format!("the connection keeper ({}): {e}", self.socket.display()),
            )
        };
        let request =
            KeeperRequest { ssh_target: self.ssh_target.clone(), persist: self.persist, command };
        let body = serde_json::to_vec(&request).expect("a request serializes");
        // A keeper leaving just as the request arrives ends the stream unanswered; by the next
        // attempt its socket is gone and another keeper starts.
        let mut attempts = 0;
        loop {
            attempts += 1;
            let (reading, mut writing) = self.keeper().await.map_err(failed)?.into_split();
            let mut frames = Frames::new(reading);
            let answer = match write_frame(&mut writing, tag::REQUEST, &body).await {
                Ok(()) => frames.next().await,
                Err(e) => Err(e),
            };
            match answer {
                Ok(Some((tag::STARTED, _))) => {
                    self.down.store(false, Ordering::Relaxed);
                    return Ok((frames, writing));
                }
                Ok(Some((tag::FAILED, body))) => return Err(failure_of(&body)),
                Ok(None) | Err(_) if attempts < 3 => {
                    tokio::time::sleep(Duration::from_millis(50)).await
                }
                Ok(_) => return Err(failed(std::io::Error::other("it ended without an answer"))),
                Err(e) => return Err(failed(e)),
            }
        }
    }

    /// A stream to the keeper, starting it if none answers.
    async fn keeper(&self) -> std::io::Result<UnixStream> {
        if let Ok(stream) = UnixStream::connect(&self.socket).await {
            return Ok(stream);
        }
        let _one = STARTING.lock().await;
        if let Ok(stream) = UnixStream::connect(&self.socket).await {
            return Ok(stream);
        }
        self.start_keeper().await?;
        UnixStream::connect(&self.socket).await
    }

    /// Starts the keeper (`numarun-keeper`, next to this program) and waits until it listens.
    /// Its stderr goes nowhere and its stdout is closed once it said so: it must not hold the
    /// run's output open.
    async fn start_keeper(&self) -> std::io::Result<()> {
        let program = std::env::current_exe()?.with_file_name("numarun-keeper");
        let mut keeper = tokio::process::Command::new(&program)
            .arg("--socket")
            .arg(&self.socket)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", program.display())))?;
        let stdout = keeper.stdout.take().expect("piped stdout");
        let mut said = String::new();
        let mut stdout = tokio::io::BufReader::new(stdout);
        let listening = stdout.read_line(&mut said);
        match tokio::time::timeout(Duration::from_secs(10), listening).await {
            Ok(Ok(_)) if said.trim() == serve::LISTENING => Ok(()),
            Ok(Ok(_)) => {
                let ended = keeper
                    .try_wait()
                    .ok()
                    .flatten()
                    .map(|status| format!(": {status}"))
                    .unwrap_or_default();
                Err(std::io::Error::other(format!("{} did not start{ended}", program.display())))
            }
            Ok(Err(e)) => Err(e),
            Err(_) => Err(std::io::Error::other("it did not start within 10 s")),
        }
    }
}

/// The events of a relayed process.
pub struct RelayedOutput {
    frames: Frames<OwnedReadHalf>,
    down: Arc<AtomicBool>,
}

impl RelayedOutput {
    pub async fn next(&mut self) -> ProcessEvent {
        let event = match self.frames.next().await {
            Ok(Some((tag, body))) => {
                ProcessEvent::from_frame(tag, body).unwrap_or(ProcessEvent::Gone)
            }
            // The keeper went, and the connection with it.
            Ok(None) | Err(_) => ProcessEvent::Gone,
        };
        if event == ProcessEvent::Gone {
            self.down.store(true, Ordering::Relaxed);
        }
        event
    }
}

/// The stdin of a relayed process.
pub struct RelayedInput {
    half: OwnedWriteHalf,
}

impl RelayedInput {
    /// The keeper ends the stream when the process ends, maybe before its stdin is all sent:
    /// that is no error of the sending, and the reader says how the process ended.
    /// Big input goes in pieces of `STDIN_PIECE`, each a frame.
    pub async fn send(&mut self, data: &[u8]) -> std::io::Result<()> {
        for piece in data.chunks(STDIN_PIECE) {
            match write_frame(&mut self.half, tag::STDIN, piece).await {
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
                    ) =>
                {
                    return Ok(());
                }
                sent => sent?,
            }
        }
        Ok(())
    }

    pub async fn eof(&mut self) -> std::io::Result<()> {
        write_frame(&mut self.half, tag::STDIN_END, &[]).await
    }

    /// Kills the process; the keeper closes its channel when this stream ends.
    pub async fn abandon(mut self) {
        let _ = write_frame(&mut self.half, tag::KILL, &[]).await;
        let _ = self.half.shutdown().await;
    }
}
