//! The module contract. `check` reads the host through a `HostReader`, which cannot change
//! anything, and returns what would change with a typed plan; `apply` receives that plan and a
//! `HostWriter` and carries it out without looking again. The engine owns everything else
//! (re-check after apply, check mode, retries, handlers, redaction), so a module is only its
//! domain.

use async_trait::async_trait;
use minijinja::Value;

use super::error::ModuleError;
use super::host_reader::HostReader;
use super::host_writer::HostWriter;
use crate::connection::PlannedRead;
use crate::diag::Diag;
use crate::events::TextDiff;
use crate::yaml::Node;

/// What a change would do, in words, and as a text diff where one can be shown.
#[derive(Debug, Clone)]
pub struct Change {
    /// One line: `create /etc/x`, `install nginx`.
    pub summary: String,
    /// Before and after, for `--diff`.
    pub diff: Option<TextDiff>,
}

impl Change {
    /// A change with no diff to show.
    pub fn new(summary: impl Into<String>) -> Change {
        Change { summary: summary.into(), diff: None }
    }
}

/// What a check found. `P` is the module's plan: what `apply` needs to carry out the change
/// without reading the host again.
#[derive(Debug)]
pub enum Check<P = ()> {
    /// Nothing to do; modules that only report (debug, set_fact, assert) do their work here.
    Ok(Outcome),
    /// A change to make, and the plan for it.
    Change(Change, P),
    /// Cannot be known without running (a command with no read-only guard).
    Unknown(String, P),
    /// An action that is its own change every time (a restart): predicted in check mode,
    /// not checked again after it ran.
    Always(Change, P),
}

impl<P> Check<P> {
    /// The same finding with its plan turned into another.
    pub fn map_plan<Q>(self, f: impl FnOnce(P) -> Q) -> Check<Q> {
        match self {
            Check::Ok(outcome) => Check::Ok(outcome),
            Check::Change(change, plan) => Check::Change(change, f(plan)),
            Check::Unknown(reason, plan) => Check::Unknown(reason, f(plan)),
            Check::Always(change, plan) => Check::Always(change, f(plan)),
        }
    }

    /// What was found, in a word, for diagnostics.
    pub fn kind(&self) -> &'static str {
        match self {
            Check::Ok(_) => "ok",
            Check::Change(..) => "change",
            Check::Unknown(..) => "unknown",
            Check::Always(..) => "always",
        }
    }
}

impl Check<()> {
    /// A change whose apply needs nothing from the check.
    pub fn change(summary: impl Into<String>) -> Check<()> {
        Check::Change(Change::new(summary), ())
    }
}

/// What a module reports; becomes the registered result.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The step failed.
    pub failed: bool,
    /// The module found nothing to do and says so as a skip (`unarchive`'s `creates`), as
    /// ansible-core counts it.
    pub skipped: bool,
    /// What to say about it.
    pub msg: Option<String>,
    /// The registered result's fields beyond `changed`, `failed`, `skipped` and `msg`.
    pub data: Vec<(String, Value)>,
    /// Variables for the host (`set_fact`).
    pub facts: Vec<(String, Value)>,
    /// Variables for the host as written, templated when read (`include_vars`).
    pub vars: crate::vars::VarMap,
}

impl Outcome {
    /// An outcome that only says something.
    pub fn msg(msg: impl Into<String>) -> Outcome {
        Outcome { msg: Some(msg.into()), ..Outcome::default() }
    }
}

/// A module: what one step does. See the file's comment for the contract.
#[async_trait]
pub trait Module: Send + Sync + std::fmt::Debug + 'static {
    /// What `check` found that `apply` needs; `()` for modules that need nothing.
    type Plan: Send + Sync + 'static;

    /// Reads the host and says what would change. It cannot change anything: `HostReader`
    /// offers reads and probes only.
    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Self::Plan>, ModuleError>;

    /// Carries out the plan `check` returned. Modules that only report (debug, assert,
    /// set_fact) do all in `check` and are never applied.
    async fn apply(
        &self,
        _plan: Self::Plan,
        _host: &HostWriter<'_>,
    ) -> Result<Outcome, ModuleError> {
        Err(ModuleError::failed("this module changes nothing"))
    }

    /// Rules across arguments that types cannot say (`copy` needs `content` or `src`).
    fn validate(&self, _args: &Node) -> Result<(), Diag> {
        Ok(())
    }

    /// The paths `check` will read, so that a host can fetch a phase's reads together.
    fn planned_reads(&self) -> Vec<PlannedRead> {
        Vec::new()
    }

    /// Once it ran, the host's facts are gathered: the play's own gathering is not repeated.
    const GATHERS_FACTS: bool = false;

    /// When a play begins with this step, how long a host that cannot be reached yet is
    /// waited for (a VM still booting), from its arguments as written.
    fn connection_patience(_args: &Node) -> Option<std::time::Duration> {
        None
    }
}

/// An argument that takes one value or a list of them.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    /// A single value.
    One(T),
    /// A list of values.
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    /// The values, one or many.
    pub fn as_slice(&self) -> &[T] {
        match self {
            OneOrMany::One(one) => std::slice::from_ref(one),
            OneOrMany::Many(many) => many,
        }
    }
}
