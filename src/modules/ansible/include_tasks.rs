//! `include_tasks`: the arguments of a dynamic include. The engine runs it (it reads the file
//! and runs its steps in place, see `engine/include.rs`); as a module it only checks them.

use async_trait::async_trait;
use serde::Deserialize;

use crate::diag::Diag;
use crate::modules::contract::{Check, Module};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
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

#[async_trait]
impl Module for IncludeTasks {
    type Plan = ();

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        match args.get("apply") {
            Some(apply) => crate::model::include::applied(apply).map(drop),
            None => Ok(()),
        }
    }

    async fn check(&self, _host: &HostReader<'_>) -> Result<Check<Self::Plan>, ModuleError> {
        Err(ModuleError::failed("`include_tasks` is run by the engine, not as a module"))
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
