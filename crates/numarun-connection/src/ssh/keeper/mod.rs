//! The keeper: a background process of the user's that holds SSH connections open between
//! runs, as OpenSSH's `ControlPersist` does for Ansible. Asked for with
//! `-o ControlPersist=60s` in the ssh arguments; off by default.
//!
//! A run reaches it over a Unix socket in a directory only the user can enter (and the keeper
//! checks the peer's uid). One stream per remote process: the run sends a `KeeperRequest`, the keeper
//! starts the process on its connection to that host and relays stdin one way and the
//! process's events the other. Secrets such as a sudo password travel on that stdin, as they do
//! over a connection of the run's own. The keeper leaves once no run has used it for the
//! longest `ControlPersist` it was given.
//!
//! Frames: a tag byte, the body's length (4 bytes, big endian), the body; read by tokio-util's
//! length-delimited codec (`Frames`), each at most `MAX_FRAME` long.

pub mod client;
pub mod serve;

use std::path::PathBuf;
use std::time::Duration;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio_util::codec::{FramedRead, LengthDelimitedCodec};

use super::process_event::ProcessEvent;
use super::settings::SshTarget;
use crate::contract::ConnectionError;

/// The keeper's protocol: what a request and the frames look like. It is in the socket's name,
/// so that a run never talks to a keeper of another shape: one started by an older numarun
/// lingers for its `ControlPersist` after an upgrade, and would end every request unanswered
/// (every host unreachable). Bump it whenever a request or a frame changes shape; the test
/// `a_request_keeps_its_shape` says when.
pub const PROTOCOL: u32 = 2;

/// What a stream is for: check that the host is reachable (`command: None`), or start a process.
#[derive(Serialize, Deserialize)]
pub struct KeeperRequest {
    /// The connection the process runs on.
    pub ssh_target: SshTarget,
    /// How long to keep the connection once idle.
    pub persist: Duration,
    /// The command line to start, or none to only connect.
    pub command: Option<String>,
}

/// The tags of frames: a run's, the keeper's answers, then the events it relays.
mod tag {
    pub const REQUEST: u8 = b'R';
    pub const STDIN: u8 = b'i';
    pub const STDIN_END: u8 = b'f';
    pub const KILL: u8 = b'K';
    pub const STARTED: u8 = b'S';
    pub const FAILED: u8 = b'F';
    pub const STDOUT: u8 = b'o';
    pub const STDERR: u8 = b'e';
    pub const EXIT: u8 = b'x';
    pub const KILLED: u8 = b'k';
    pub const EOF: u8 = b'.';
    pub const CLOSED: u8 = b'c';
    pub const GONE: u8 = b'g';
}

pub async fn write_frame(
    to: &mut (impl AsyncWrite + Unpin),
    tag: u8,
    body: &[u8],
) -> std::io::Result<()> {
    let length =
        u32::try_from(body.len()).map_err(|_| std::io::Error::other("a frame over 4 GiB"))?;
    let mut frame = Vec::with_capacity(5 + body.len());
    frame.push(tag);
    frame.extend_from_slice(&length.to_be_bytes());
    frame.extend_from_slice(body);
    to.write_all(&frame).await
}

/// The longest frame either side accepts: stdin goes in pieces of `STDIN_PIECE`, a process's
/// output comes as the SSH channel delivers it, so a longer one is a broken or hostile peer.
const MAX_FRAME: usize = 4 << 20;

/// The most stdin one frame carries.
pub const STDIN_PIECE: usize = 1 << 20;

/// The frames a stream brings, cut by tokio-util's length-delimited codec (the length field
/// after the tag byte, kept in the frame so the tag comes with it).
pub struct Frames<R> {
    inner: FramedRead<R, LengthDelimitedCodec>,
}

impl<R: AsyncRead + Unpin> Frames<R> {
    pub fn new(from: R) -> Frames<R> {
        let codec = LengthDelimitedCodec::builder()
            .length_field_offset(1)
            .length_field_length(4)
            // The frame handed back is the whole of it: tag, length and body.
            .num_skip(0)
            .length_adjustment(5)
            .max_frame_length(MAX_FRAME)
            .new_codec();
        Frames { inner: FramedRead::new(from, codec) }
    }

    /// The next frame, `None` at the end of the stream; an error for a stream that ends
    /// mid-frame or a frame over `MAX_FRAME`. Safe to cancel (in a `select!`): what was read
    /// stays for the next call.
    pub async fn next(&mut self) -> std::io::Result<Option<(u8, Vec<u8>)>> {
        match self.inner.next().await {
            None => Ok(None),
            Some(frame) => {
                let frame = frame?;
                Ok(Some((frame[0], frame[5..].to_vec())))
            }
        }
    }
}

impl ProcessEvent {
    fn into_frame(self) -> (u8, Vec<u8>) {
        match self {
            ProcessEvent::Stdout(data) => (tag::STDOUT, data),
            ProcessEvent::Stderr(data) => (tag::STDERR, data),
            ProcessEvent::Exit(status) => (tag::EXIT, status.to_be_bytes().to_vec()),
            ProcessEvent::Killed(signal) => (tag::KILLED, signal.into_bytes()),
            ProcessEvent::Eof => (tag::EOF, Vec::new()),
            ProcessEvent::Closed => (tag::CLOSED, Vec::new()),
            ProcessEvent::Gone => (tag::GONE, Vec::new()),
        }
    }

    fn from_frame(tag: u8, body: Vec<u8>) -> Option<ProcessEvent> {
        Some(match tag {
            tag::STDOUT => ProcessEvent::Stdout(body),
            tag::STDERR => ProcessEvent::Stderr(body),
            tag::EXIT => ProcessEvent::Exit(u32::from_be_bytes(body.try_into().ok()?)),
            tag::KILLED => ProcessEvent::Killed(String::from_utf8_lossy(&body).into_owned()),
            tag::EOF => ProcessEvent::Eof,
            tag::CLOSED => ProcessEvent::Closed,
            tag::GONE => ProcessEvent::Gone,
            _ => return None,
        })
    }
}

/// A failure of the keeper's connection, for the run to report as its own.
fn failure_body(error: &ConnectionError) -> Vec<u8> {
    let kind = if matches!(error, ConnectionError::Unreachable(_)) { b'u' } else { b'o' };
    let message = match error {
        ConnectionError::Unreachable(message) | ConnectionError::Unsupported(message) => {
            message.clone()
        }
        other => other.to_string(),
    };
    [&[kind][..], message.as_bytes()].concat()
}

fn failure_of(body: &[u8]) -> ConnectionError {
    let message = String::from_utf8_lossy(body.get(1..).unwrap_or_default()).into_owned();
    match body.first() {
        Some(b'u') => ConnectionError::Unreachable(message),
        _ => ConnectionError::Unsupported(message),
    }
}

/// The keeper's socket: in `$XDG_RUNTIME_DIR/numarun`, else `/tmp/numarun-<uid>`. The
/// directory must be the user's alone; one that is not is refused, never repaired. Found once
/// per run, not once per host.
pub fn socket_path() -> Result<PathBuf, KeeperDirError> {
    static FOUND: std::sync::OnceLock<Result<PathBuf, KeeperDirError>> = std::sync::OnceLock::new();
    FOUND.get_or_init(find_socket_path).clone()
}

/// Why the keeper's directory cannot be used.
#[derive(Debug, Clone, thiserror::Error)]
pub enum KeeperDirError {
    #[error("the keeper's directory {}: {reason}", dir.display())]
    Unusable { dir: PathBuf, reason: String },
    #[error("the keeper's directory {} is not a directory of uid {uid} that only it can enter (mode 0700): refusing to use it", dir.display())]
    NotPrivate { dir: PathBuf, uid: u32 },
}

fn find_socket_path() -> Result<PathBuf, KeeperDirError> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    let dir = match std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        Some(runtime) => PathBuf::from(runtime).join("numarun"),
        None => PathBuf::from(format!("/tmp/numarun-{uid}")),
    };
    match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(KeeperDirError::Unusable { dir, reason: e.to_string() }),
    }
    let meta = match std::fs::symlink_metadata(&dir) {
        Ok(meta) => meta,
        Err(e) => return Err(KeeperDirError::Unusable { dir, reason: e.to_string() }),
    };
    if !meta.is_dir() || meta.uid() != uid || meta.mode() & 0o077 != 0 {
        return Err(KeeperDirError::NotPrivate { dir, uid });
    }
    Ok(dir.join(format!("keeper-{PROTOCOL}.sock")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn frames_come_back_whole_however_the_bytes_arrive() {
        let mut sent = Vec::new();
        write_frame(&mut sent, tag::STDIN, b"hello").await.unwrap();
        write_frame(&mut sent, tag::STDIN_END, b"").await.unwrap();
        // One byte at a time: every read stops mid-frame.
        let (mut near, mut far) = tokio::io::duplex(1);
        let writing = tokio::spawn(async move { far.write_all(&sent).await });
        let mut frames = Frames::new(&mut near);
        assert_eq!(frames.next().await.unwrap(), Some((tag::STDIN, b"hello".to_vec())));
        assert_eq!(frames.next().await.unwrap(), Some((tag::STDIN_END, Vec::new())));
        writing.await.unwrap().unwrap();
        assert_eq!(frames.next().await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_frame_too_long_or_cut_short_is_an_error() {
        let mut long = vec![tag::STDOUT];
        long.extend_from_slice(&u32::try_from(MAX_FRAME + 1).unwrap().to_be_bytes());
        assert!(Frames::new(&long[..]).next().await.is_err(), "a frame over the bound");
        let mut cut = Vec::new();
        write_frame(&mut cut, tag::STDOUT, b"whole").await.unwrap();
        cut.truncate(cut.len() - 1);
        assert!(Frames::new(&cut[..]).next().await.is_err(), "a stream that ends mid-frame");
    }

    /// A request as it goes on the wire. When this changes, a keeper of the old shape cannot
    /// read it: bump `PROTOCOL`, then write the new text here.
    #[test]
    fn a_request_keeps_its_shape() {
        use crate::ssh::Policy;
        use crate::ssh::settings::Endpoint;
        let ssh_target = SshTarget {
            endpoint: Endpoint { address: "h".into(), port: 22, user: "u".into() },
            jump: None,
            key_file: None,
            agent: None,
            known_hosts: "/k".into(),
            policy: Policy::Strict,
            pinned: Vec::new(),
            connect_timeout: Duration::from_secs(10),
            retries: 0,
            server_alive: None,
        };
        let request = KeeperRequest {
            ssh_target,
            persist: Duration::from_secs(60),
            command: Some("true".into()),
        };
        assert_eq!(PROTOCOL, 2);
        let wire = concat!(
            r#"{"ssh_target":{"endpoint":{"address":"h","port":22,"user":"u"},"jump":null,"#,
            r#""key_file":null,"agent":null,"known_hosts":"/k","policy":"Strict","pinned":[],"#,
            r#""connect_timeout":{"secs":10,"nanos":0},"retries":0,"server_alive":null},"#,
            r#""persist":{"secs":60,"nanos":0},"command":"true"}"#
        );
        assert_eq!(serde_json::to_string(&request).unwrap(), wire, "bump PROTOCOL");
    }

    #[test]
    fn events_and_failures_survive_the_wire() {
        let events = [
            ProcessEvent::Stdout(b"out".to_vec()),
            ProcessEvent::Stderr(vec![]),
            ProcessEvent::Exit(3),
            ProcessEvent::Killed("KILL".into()),
            ProcessEvent::Eof,
            ProcessEvent::Closed,
            ProcessEvent::Gone,
        ];
        for event in events {
            let (tag, body) = event.clone().into_frame();
            assert_eq!(ProcessEvent::from_frame(tag, body), Some(event));
        }
        let lost = failure_of(&failure_body(&ConnectionError::Unreachable(
            "root@h:22: connection lost".into(),
        )));
        assert!(
            matches!(lost, ConnectionError::Unreachable(m) if m == "root@h:22: connection lost")
        );
        assert!(matches!(
            failure_of(&failure_body(&ConnectionError::Unsupported("SSH: no".into()))),
            ConnectionError::Unsupported(_)
        ));
    }
}
