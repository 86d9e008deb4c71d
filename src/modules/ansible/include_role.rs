//! `include_role`: the arguments of a dynamic role include. The engine runs it (it reads the
//! role and runs its steps in place, see `engine/include.rs`); its type only holds and checks its arguments.

use serde::Deserialize;

use crate::diag::Diag;
use crate::modules::action::{Action, EngineAction, EngineTask};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::yaml::Node;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct IncludeRole {}

impl Action for IncludeRole {
    const NAME: &'static str = "include_role";
    const DOC: &'static ModuleDoc = &DOC;
}

impl EngineTask for IncludeRole {
    const STEP: EngineAction = EngineAction::IncludeRole;

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        crate::model::role::entry_of(args, true)?;
        match args.get("apply") {
            Some(apply) => crate::model::include::applied(apply).map(drop),
            None => Ok(()),
        }
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Runs a role here, decided when the run reaches it.",
    check_mode: CheckMode::Runs,
    diff: false,
    returns: &[],
    example: "- include_role: { name: webserver, tasks_from: install }",
};
