//! What a task's action says of itself: Ansible calls the module a task names its action, and
//! a few actions (`meta`, `include_tasks`, `include_role`) are carried out by the engine, not
//! by a module. Each action's type declares its name, its free-form argument and its doc here,
//! so the registry's entry for it is one line, and the engine learns what a step is from the
//! registry, never by comparing names.

use serde::de::DeserializeOwned;

use super::doc::ModuleDoc;
use crate::diag::Diag;
use crate::yaml::Node;

/// A task's action as the registry knows it from its argument type.
pub trait Action: DeserializeOwned + schemars::JsonSchema + Send + Sync + std::fmt::Debug {
    /// Its short name (`copy`); the registry also finds it as `ansible.builtin.copy`.
    const NAME: &'static str;
    /// The argument a bare string becomes: `command: ls` is `command: {cmd: ls}`.
    const FREE_FORM: Option<&'static str> = None;
    /// Arguments holding Jinja expressions the action evaluates itself (`assert`'s `that`),
    /// left unrendered by the engine.
    const TEMPLATED_BY_ITSELF: &'static [&'static str] = &[];
    /// What `numarun doc` says of it.
    const DOC: &'static ModuleDoc;
}

/// What the engine does itself instead of running a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineAction {
    /// `meta`: flush handlers, end the play or the host, clear facts.
    Meta,
    /// `include_tasks`: the steps of a file, read when the run reaches it.
    IncludeTasks,
    /// `include_role`: a role's steps, read when the run reaches it.
    IncludeRole,
}

/// An action the engine carries out itself; its type only holds and checks the arguments.
pub trait EngineTask: Action {
    /// Which one.
    const STEP: EngineAction;

    /// Rules across arguments that types cannot say.
    fn validate(&self, _args: &Node) -> Result<(), Diag> {
        Ok(())
    }
}
