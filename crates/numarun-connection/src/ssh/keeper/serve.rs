//! The keeper process (`numarun-keeper`): holds connections, relays processes, leaves when idle.

use std::collections::HashMap;
use std::io::Write as _;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use russh::client::Msg;
use russh::{ChannelReadHalf, ChannelWriteHalf};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{UnixListener, UnixStream};

use super::{Frames, KeeperRequest, failure_body, tag, write_frame};
use crate::ssh::direct_ssh::DirectSsh;
use crate::ssh::process_event::ProcessEvent;
use crate::ssh::settings::SshTarget;

/// What the keeper prints once it listens; the run that started it waits for this line.
pub const LISTENING: &str = "listening";

/// How long a keeper no run has asked anything of yet stays.
const FIRST_WAIT: Duration = Duration::from_secs(10);

/// Runs the keeper on `socket` until it has been idle for long enough; the exit code.
pub fn main(socket: &Path) -> i32 {
    // Its own session: the terminal's Ctrl-C and hangup are the run's, not the keeper's.
    // SAFETY: setsid has no preconditions; it fails only in a process group leader, harmlessly.
    unsafe { libc::setsid() };
    log_beside(socket);
    allow_all_descriptors();
    let Ok(runtime) =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()
    else {
        return 1;
    };
    match runtime.block_on(serve(socket)) {
        Ok(()) => 0,
        Err(_) => 1,
    }
}

/// The keeper's own diagnostics go to `keeper.log` in its folder (0700, the user's): it has no
/// terminal, and a run's `-vvvv` is not the keeper's. The level is `NUMARUN_LOG`'s, as the run that
/// started it had it, else info: when it starts, and when and why it leaves.
fn log_beside(socket: &Path) {
    let path = socket.with_file_name("keeper.log");
    let Ok(file) = std::fs::OpenOptions::new().create(true).append(true).open(&path) else {
        return;
    };
    let filter = std::env::var("NUMARUN_LOG")
        .ok()
        .and_then(|f| tracing_subscriber::EnvFilter::try_new(f).ok());
    let filter = filter.unwrap_or_else(|| tracing_subscriber::EnvFilter::new("numarun=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init();
}

/// Raises the soft limit on open descriptors to the hard one: the keeper holds one connection per
/// host kept, and a run's hosts are not bounded by its `--forks` as its own connections are.
fn allow_all_descriptors() {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit read and write only the struct they are given.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

struct Keeper {
    /// Connections by everything that makes one.
    links: Mutex<HashMap<SshTarget, Arc<DirectSsh>>>,
    state: Mutex<Idle>,
}

struct Idle {
    streams: usize,
    since: Instant,
    /// The longest `ControlPersist` asked for; `None` before the first request.
    persist: Option<Duration>,
}

impl Keeper {
    fn link(&self, ssh_target: SshTarget) -> Arc<DirectSsh> {
        let mut links = self.links.lock().expect("links lock");
        Arc::clone(
            links
                .entry(ssh_target)
                .or_insert_with_key(|ssh_target| Arc::new(DirectSsh::new(ssh_target.clone()))),
        )
    }

    /// Changes the state; any change (a stream opened or ended, a request) restarts the idle clock.
    fn update(&self, change: impl FnOnce(&mut Idle)) {
        let mut state = self.state.lock().expect("keeper state lock");
        change(&mut state);
        state.since = Instant::now();
    }

    fn idle_long_enough(&self) -> bool {
        let state = self.state.lock().expect("keeper state lock");
        state.streams == 0 && state.since.elapsed() >= state.persist.unwrap_or(FIRST_WAIT)
    }
}

async fn serve(socket: &Path) -> std::io::Result<()> {
    // Bound under a name of its own, then renamed: a run never meets a half-made socket.
    let staging = socket.with_file_name(format!("keeper.{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&staging);
    let listener = UnixListener::bind(&staging)?;
    std::fs::rename(&staging, socket)?;
    let ours = std::fs::metadata(socket)?.ino();
    // Unchecked: a run that gave up waiting closed the pipe, and will find the socket anyway.
    let _ = writeln!(std::io::stdout(), "{LISTENING}");
    tracing::info!(socket = %socket.display(), pid = std::process::id(), "keeper listening");
    let keeper = Arc::new(Keeper {
        links: Mutex::new(HashMap::new()),
        state: Mutex::new(Idle { streams: 0, since: Instant::now(), persist: None }),
    });
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                // The directory already keeps others out; this keeps out what slipped in.
                if stream.peer_cred().is_ok_and(|peer| peer.uid() == uid) {
                    keeper.update(|state| state.streams += 1);
                    let keeper = Arc::clone(&keeper);
                    tokio::spawn(async move {
                        if let Err(error) = answer(&keeper, stream).await {
                            tracing::debug!(%error, "a stream ended in error");
                        }
                        keeper.update(|state| state.streams -= 1);
                    });
                } else {
                    tracing::warn!("refused a stream from another user");
                }
            }
            _ = tick.tick() => if keeper.idle_long_enough() { break },
        }
    }
    tracing::info!("idle for its longest ControlPersist: leaving");
    // Another keeper may have taken the name since: remove only our own socket.
    if std::fs::metadata(socket).is_ok_and(|meta| meta.ino() == ours) {
        let _ = std::fs::remove_file(socket);
    }
    Ok(())
}

async fn answer(keeper: &Keeper, stream: UnixStream) -> std::io::Result<()> {
    let (from, mut to) = stream.into_split();
    let mut from = Frames::new(from);
    let Some((tag::REQUEST, body)) = from.next().await? else {
        return Ok(());
    };
    let request: KeeperRequest = serde_json::from_slice(&body).map_err(std::io::Error::other)?;
    keeper.update(|state| state.persist = state.persist.max(Some(request.persist)));
    let endpoint = &request.ssh_target.endpoint;
    tracing::debug!(host = %endpoint.address, port = endpoint.port, user = %endpoint.user, starts = request.command.is_some(), "request");
    let link = keeper.link(request.ssh_target);
    let started = match &request.command {
        None => link.ensure_connected().await.map(|()| None),
        Some(line) => link.start(line).await.map(Some),
    };
    match started {
        Err(error) => write_frame(&mut to, tag::FAILED, &failure_body(&error)).await,
        Ok(channel) => {
            write_frame(&mut to, tag::STARTED, &[]).await?;
            if let Some((reader, writer)) = channel {
                relay(from, to, reader, writer).await;
            }
            Ok(())
        }
    }
}

/// Passes the run's stdin to the process and the process's events to the run, both at once,
/// until either side ends; then closes the channel.
async fn relay(
    mut from: Frames<OwnedReadHalf>,
    mut to: OwnedWriteHalf,
    mut reader: ChannelReadHalf,
    writer: ChannelWriteHalf<Msg>,
) {
    let feeding = async {
        while let Ok(Some((tag, body))) = from.next().await {
            let passed = match tag {
                tag::STDIN => writer.data(&body[..]).await,
                tag::STDIN_END => writer.eof().await,
                tag::KILL => writer.signal(russh::Sig::KILL).await,
                _ => break,
            };
            if passed.is_err() {
                break;
            }
        }
    };
    let relaying = async {
        loop {
            let event = ProcessEvent::next_on(&mut reader).await;
            let end = event.is_end();
            let (tag, body) = event.into_frame();
            if write_frame(&mut to, tag, &body).await.is_err() || end {
                break;
            }
        }
    };
    tokio::select! {
        () = feeding => {}
        () = relaying => {}
    }
    let _ = writer.close().await;
}
