//! The module contract: `check` reads state and says what would change, `apply` changes it.
//! The engine owns everything else (re-check, check mode, retries, handlers, redaction), so a
//! module is only its domain.

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use minijinja::Value;

use crate::connection::{Command, Connection, ConnectionError, PlannedRead, Program};
use crate::diag::{Diag, Span};
use crate::redact::Redactor;
use crate::template::Scope;
use crate::yaml::Node;

/// Everything a module may use while it runs on one host.
pub struct Cx<'a> {
    /// The host, already elevated to the step's privilege.
    pub target: &'a dyn Connection,
    pub env: Vec<(String, String)>,
    pub scope: &'a Arc<Scope>,
    /// Folders a relative `src:` is looked up in, nearest first.
    pub search_dirs: &'a [PathBuf],
    pub span: &'a Span,
    /// The run's secrets: none may travel in a command's text.
    pub secrets: &'a Redactor,
}

impl Cx<'_> {
    /// Runs a command with the step's environment. A command whose text would carry a secret is
    /// refused: argv (and a shell's script, which becomes argv) is readable by every user of the
    /// host in /proc, its environment and stdin are not.
    pub async fn run(&self, mut command: Command) -> Result<crate::connection::Output, ModuleError> {
        let text: Vec<&str> = match &command.program {
            Program::Argv(argv) => argv.iter().map(String::as_str).collect(),
            Program::Shell { script, executable } => vec![executable.as_str(), script.as_str()],
        };
        if text.iter().any(|part| self.secrets.reveals(part)) {
            let program = text.first().copied().unwrap_or_default();
            return Err(ModuleError::failed(format!(
                "refusing to run `{program}` with a secret in its command line, where every user of the host can read it: \
                 pass the secret through `environment:` (or `env:`) or `stdin:` instead"
            )));
        }
        command.env.extend(self.env.iter().cloned());
        Ok(self.target.run(&command).await?)
    }

    /// Runs a command that must succeed; its failure names `what` and carries its stderr.
    pub async fn run_ok(&self, command: Command, what: &str) -> Result<crate::connection::Output, ModuleError> {
        let output = self.run(command).await?;
        match output.rc {
            0 => Ok(output),
            rc => Err(ModuleError::failed(format!("{what} failed (exit {rc}): {}", output.stderr_text()))),
        }
    }

    /// A command's standard output as trimmed text, when it must succeed.
    pub async fn stdout_of(&self, command: Command, what: &str) -> Result<String, ModuleError> {
        Ok(String::from_utf8_lossy(&self.run_ok(command, what).await?.stdout).trim().to_string())
    }

    /// A controller-side file named by `src:`, looked up as Ansible does.
    pub fn find_source(&self, src: &str, subdir: &str) -> Result<PathBuf, ModuleError> {
        let path = std::path::Path::new(src);
        if path.is_absolute() {
            return Ok(path.to_path_buf());
        }
        self.search_dirs.iter().flat_map(|dir| [dir.join(subdir).join(src), dir.join(src)]).find(|p| p.is_file()).ok_or_else(|| {
            ModuleError::Failed(format!(
                "cannot find `{src}` in {}",
                self.search_dirs.iter().map(|d| d.join(subdir).display().to_string()).collect::<Vec<_>>().join(", ")
            ))
        })
    }
}

/// A text change a module would make, for `--diff`.
#[derive(Debug, Clone)]
pub struct Diff {
    pub path: String,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Clone)]
pub struct Change {
    pub summary: String,
    pub diff: Option<Diff>,
}

#[derive(Debug)]
pub enum Check {
    /// Nothing to do; pure modules (debug, set_fact, assert) do their work here.
    Ok(Outcome),
    Change(Change),
    /// Cannot be known without running (a command with no read-only guard).
    Unknown(String),
    /// An action that is its own change every time (a restart): predicted in check mode,
    /// not checked again after it ran.
    Always(Change),
}

/// What a module reports; becomes the registered result.
#[derive(Debug, Default)]
pub struct Outcome {
    pub failed: bool,
    pub msg: Option<String>,
    pub data: Vec<(String, Value)>,
    /// Variables for the host (`set_fact`).
    pub facts: Vec<(String, Value)>,
}

impl Outcome {
    pub fn msg(msg: impl Into<String>) -> Outcome {
        Outcome { msg: Some(msg.into()), ..Outcome::default() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ModuleError {
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    #[error("{0}")]
    Failed(String),
    /// Missing something an earlier step makes: unknown in check mode, a failure otherwise.
    #[error("{0}")]
    NotYet(String),
    #[error(transparent)]
    Diag(#[from] Diag),
}

impl ModuleError {
    pub fn failed(why: impl std::fmt::Display) -> ModuleError {
        ModuleError::Failed(why.to_string())
    }
}

#[async_trait]
pub trait Module: Send + Sync + std::fmt::Debug {
    async fn check(&self, cx: &Cx<'_>) -> Result<Check, ModuleError>;
    /// Modules that only report (debug, assert, set_fact) do all in `check`
    /// and are never applied.
    async fn apply(&self, _cx: &Cx<'_>) -> Result<Outcome, ModuleError> {
        Err(ModuleError::Failed("this module changes nothing".into()))
    }
    /// Rules across arguments that types cannot say (`copy` needs `content` or `src`).
    fn validate(&self, _args: &Node) -> Result<(), Diag> {
        Ok(())
    }
    /// The paths `check` will look at, so that a host's coming looks can be fetched together.
    fn upcoming(&self) -> Vec<PlannedRead> {
        Vec::new()
    }
}

/// An argument that takes one value or a list of them.
#[derive(Debug, serde::Deserialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    pub fn as_slice(&self) -> &[T] {
        match self {
            OneOrMany::One(one) => std::slice::from_ref(one),
            OneOrMany::Many(many) => many,
        }
    }
}
