//! What every connection offers and what travels through one: commands and their output, file
//! states and attributes, privilege, errors, and the `Connection` trait itself.

use std::sync::Arc;

use async_trait::async_trait;

/// 128 random bits as hex, for names and markers no one can guess or collide with.
pub fn random_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    let half = || std::collections::hash_map::RandomState::new().build_hasher().finish();
    format!("{:016x}{:016x}", half(), half())
}

/// What to run: an argument vector (no shell involved) or a shell script.
#[derive(Debug, Clone)]
pub enum Program {
    Argv(Vec<String>),
    Shell { script: String, executable: String },
}

/// Whether, and as whom, to run with raised privileges.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Privilege {
    pub escalate: bool,
    pub user: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Command {
    pub program: Program,
    /// Secrets travel here or in `env`, never in the argument vector.
    pub stdin: Option<Vec<u8>>,
    pub env: Vec<(String, String)>,
    pub cwd: Option<String>,
    /// Only looks, changes nothing: a target may keep what it fetched before (see `expect`).
    pub look_only: bool,
}

impl Command {
    pub fn argv<S: Into<String>>(args: impl IntoIterator<Item = S>) -> Command {
        Command {
            program: Program::Argv(args.into_iter().map(Into::into).collect()),
            stdin: None,
            env: Vec::new(),
            cwd: None,
            look_only: false,
        }
    }

    /// A human-readable form for messages (never holds secrets: those go on stdin or env).
    pub fn display(&self) -> String {
        match &self.program {
            Program::Argv(args) => args.iter().map(|a| super::shell_words::quote(a)).collect::<Vec<_>>().join(" "),
            Program::Shell { script, .. } => script.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Output {
    pub rc: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Output {
    /// stderr as text, trimmed, for messages.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).trim().to_string()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    File,
    Directory,
    Symlink,
    Other,
}

/// What `lstat` says about a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    pub kind: FileKind,
    /// Permission bits only (`0o7777`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    pub link_target: Option<String>,
}

/// A path a coming step will look at, and whether it will want the bytes too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedRead {
    pub path: String,
    pub content: bool,
}

/// Ownership and permissions to set; `None` leaves a property as it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Attrs {
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    /// The owner only carries over what a replaced file had: keep it if
    /// allowed (a non-root user may not give a file away), as Ansible does.
    pub owner_best_effort: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error("{op} {path}: {source}")]
    Io { op: &'static str, path: String, source: std::io::Error },
    #[error("cannot start `{program}`: {source}")]
    Spawn { program: String, source: std::io::Error },
    #[error("host unreachable: {0}")]
    Unreachable(String),
    #[error("timed out after {0:?}: {1}")]
    Timeout(std::time::Duration, String),
    #[error("{0}")]
    Unsupported(String),
    /// sudo refused the step's `become_user` (often: a user a later step creates).
    #[error("cannot become {user}: {reason}")]
    CannotBecome { user: String, reason: String },
}

/// A host as steps see it: every operation runs with the privilege the
/// target was elevated to, so `become` covers file operations too.
#[async_trait]
pub trait Connection: Send + Sync {
    /// The same host, acting with `privilege`.
    fn elevated(&self, privilege: &Privilege) -> Arc<dyn Connection>;
    /// This machine itself: what numarun's own libvirt and files see is what the host sees.
    fn is_local(&self) -> bool {
        false
    }
    /// What the coming steps will look at, in order, by privilege; it replaces what was said
    /// before. A target where each look costs a round trip may fetch them together. What it
    /// returns must still be exact.
    fn prefetch(&self, _upcoming: Vec<(Privilege, Vec<PlannedRead>)>) {}
    async fn run(&self, command: &Command) -> Result<Output, ConnectionError>;
    /// The file's bytes, or `None` when it does not exist.
    async fn read(&self, path: &str) -> Result<Option<Vec<u8>>, ConnectionError>;
    /// Replaces the file in one step: a reader sees the old or the new bytes, never a part.
    async fn write(&self, path: &str, content: &[u8], attrs: Attrs) -> Result<(), ConnectionError>;
    /// `lstat`, or `None` when nothing is there.
    async fn stat(&self, path: &str) -> Result<Option<Stat>, ConnectionError>;
    /// `lstat` and, unless it is a directory, the bytes: one round trip for
    /// modules that compare a file with what it should hold.
    async fn inspect(&self, path: &str) -> Result<Option<(Stat, Option<Vec<u8>>)>, ConnectionError>;
    /// `mkdir -p`, with `attrs` applied to the last component.
    async fn mkdir(&self, path: &str, attrs: Attrs) -> Result<(), ConnectionError>;
    async fn set_attrs(&self, path: &str, attrs: Attrs) -> Result<(), ConnectionError>;
    /// Removes a file, link or whole directory tree.
    async fn remove(&self, path: &str) -> Result<(), ConnectionError>;
    /// Points `path` at `target`, replacing what is there in one step.
    async fn symlink(&self, target: &str, path: &str) -> Result<(), ConnectionError>;
}
