//! What every connection offers and what travels through one: commands and their output, file
//! states and attributes, privilege, errors, and the `Connection` trait itself.

use std::sync::Arc;

use async_trait::async_trait;

use super::privilege::Privilege;
use super::read_plan::ReadPlan;

/// 128 random bits as hex, for names and markers no one can guess or collide with.
pub fn random_token() -> String {
    let mut bytes = [0u8; 16];
    // The OS's generator: a marker a remote command cannot guess. Without one the run cannot
    // go on safely.
    getrandom::fill(&mut bytes).expect("the operating system's random generator");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What to run: an argument vector (no shell involved) or a shell script.
#[derive(Debug, Clone)]
pub enum Program {
    /// Words run as they are, no shell involved.
    Argv(Vec<String>),
    /// A script for `executable` (`/bin/sh`) to run.
    Shell {
        /// The script.
        script: String,
        /// The shell that runs it.
        executable: String,
    },
}

/// A command for a host to run.
#[derive(Debug, Clone)]
pub struct Command {
    /// What to run.
    pub program: Program,
    /// Secrets travel here or in `env`, never in the argument vector.
    pub stdin: Option<Vec<u8>>,
    /// Variables added to the host's environment.
    pub env: Vec<(String, String)>,
    /// The folder to run in.
    pub cwd: Option<String>,
    /// Only looks, changes nothing: a target may keep what it fetched before (see `expect`).
    pub read_only: bool,
}

impl Command {
    /// A command of these words, run without a shell.
    pub fn argv<S: Into<String>>(args: impl IntoIterator<Item = S>) -> Command {
        Command {
            program: Program::Argv(args.into_iter().map(Into::into).collect()),
            stdin: None,
            env: Vec::new(),
            cwd: None,
            read_only: false,
        }
    }

    /// A human-readable form for messages (never holds secrets: those go on stdin or env).
    pub fn display(&self) -> String {
        match &self.program {
            Program::Argv(args) => {
                args.iter().map(|a| super::shell_words::quote(a)).collect::<Vec<_>>().join(" ")
            }
            Program::Shell { script, .. } => script.clone(),
        }
    }

    /// The program alone, for diagnostics: a `no_log` step's words stay out of logs that are
    /// not redacted.
    pub fn program_name(&self) -> &str {
        match &self.program {
            Program::Argv(args) => args.first().map_or("", String::as_str),
            Program::Shell { executable, .. } => executable,
        }
    }
}

/// What a command did.
#[derive(Debug, Clone)]
pub struct Output {
    /// Its exit status.
    pub rc: i32,
    /// What it wrote to stdout.
    pub stdout: Vec<u8>,
    /// What it wrote to stderr.
    pub stderr: Vec<u8>,
}

impl Output {
    /// stderr as text, trimmed, for messages.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).trim().to_string()
    }
}

/// What a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A regular file.
    File,
    /// A folder.
    Directory,
    /// A symbolic link.
    Symlink,
    /// Anything else (a device, a socket, a FIFO).
    Other,
}

/// What `lstat` says about a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    /// What the path is.
    pub kind: FileKind,
    /// Permission bits only (`0o7777`).
    pub mode: u32,
    /// The owner's id.
    pub uid: u32,
    /// The group's id.
    pub gid: u32,
    /// Size in bytes (a link's: its target's length).
    pub size: u64,
    /// Where a link points.
    pub link_target: Option<String>,
}

/// Ownership and permissions to set; `None` leaves a property as it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Attrs {
    /// Permission bits to set.
    pub mode: Option<u32>,
    /// Owner id to set.
    pub uid: Option<u32>,
    /// Group id to set.
    pub gid: Option<u32>,
    /// The owner only carries over what a replaced file had: keep it if
    /// allowed (a non-root user may not give a file away), as Ansible does.
    pub owner_best_effort: bool,
}

/// Why a host could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    /// A file operation failed on the host.
    #[error("{op} {path}: {source}")]
    Io {
        /// What was being done: `write`, `mkdir`, `remove`, …
        op: &'static str,
        /// The path on the host.
        path: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// A program could not be started.
    #[error("cannot start `{program}`: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// Why it did not start.
        source: std::io::Error,
    },
    /// The host cannot be reached (or stopped answering).
    #[error("host unreachable: {0}")]
    Unreachable(String),
    /// A command ran past its time limit.
    #[error("timed out after {0:?}: {1}")]
    Timeout(std::time::Duration, String),
    /// The host cannot do this (a missing tool, an SSH error that left the connection up).
    #[error("{0}")]
    Unsupported(String),
    /// sudo refused the step's `become_user` (often: a user a later step creates).
    /// sudo refused the step's `become_user` (often: a user a later step creates).
    #[error("cannot become {user}: {reason}")]
    CannotBecome {
        /// The user the step asked to become.
        user: String,
        /// What sudo said.
        reason: String,
    },
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
    fn prefetch(&self, _reads: ReadPlan) {}
    /// Runs a command as the connection's privilege.
    async fn run(&self, command: &Command) -> Result<Output, ConnectionError>;
    /// The file's bytes, or `None` when it does not exist.
    async fn read(&self, path: &str) -> Result<Option<Vec<u8>>, ConnectionError>;
    /// Replaces the file in one step: a reader sees the old or the new bytes, never a part.
    async fn write(&self, path: &str, content: &[u8], attrs: Attrs) -> Result<(), ConnectionError>;
    /// `lstat`, or `None` when nothing is there.
    async fn stat(&self, path: &str) -> Result<Option<Stat>, ConnectionError>;
    /// `lstat` and, unless it is a directory, the bytes: one round trip for
    /// modules that compare a file with what it should hold.
    async fn inspect(&self, path: &str)
    -> Result<Option<(Stat, Option<Vec<u8>>)>, ConnectionError>;
    /// `mkdir -p`, with `attrs` applied to the last component.
    async fn mkdir(&self, path: &str, attrs: Attrs) -> Result<(), ConnectionError>;
    /// Sets a path's mode and owner.
    async fn set_attrs(&self, path: &str, attrs: Attrs) -> Result<(), ConnectionError>;
    /// Removes a file, link or whole directory tree.
    async fn remove(&self, path: &str) -> Result<(), ConnectionError>;
    /// Points `path` at `target`, replacing what is there in one step.
    async fn symlink(&self, target: &str, path: &str) -> Result<(), ConnectionError>;
}
