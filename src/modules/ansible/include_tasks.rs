//! `include_tasks`: the arguments of a dynamic include. The engine runs it (it reads the file
//! and runs its steps in place, see `engine/include.rs`); its type only holds and checks its arguments.

use serde::Deserialize;

use crate::diag::Diag;
use crate::modules::action::{Action, EngineAction, EngineTask};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::yaml::Node;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IncludeTasks {
    /// The task file, relative to the folder of the file the include is written in.
    #[allow(dead_code)]
    file: String,
    /// Keywords for every included step (`tags`, `become`, `vars` …).
    #[allow(dead_code)]
    #[schemars(with = "Option<serde_json::Value>")]
    apply: Option<serde::de::IgnoredAny>,
}

impl Action for IncludeTasks {
    const NAME: &'static str = "include_tasks";
    const FREE_FORM: Option<&'static str> = Some("file");
    const DOC: &'static ModuleDoc = &DOC;
}

impl EngineTask for IncludeTasks {
    const STEP: EngineAction = EngineAction::IncludeTasks;

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        match args.get("apply") {
            Some(apply) => crate::model::include::applied(apply).map(drop),
            None => Ok(()),
        }
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Runs the steps of another file here, decided when the run reaches it (loops and `when` apply to the include).",
    check_mode: CheckMode::Runs,
    diff: false,
    returns: &[],
    example: "- include_tasks: { file: setup.yaml }",
};
