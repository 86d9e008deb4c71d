//! `include_role`: the arguments of a dynamic role include. The engine runs it (it reads the
//! role and runs its steps in place, see `engine/include.rs`); as a module it only checks them.

use async_trait::async_trait;
use serde::Deserialize;

use crate::diag::Diag;
use crate::modules::contract::{Check, Module};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::yaml::Node;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct IncludeRole {}

#[async_trait]
impl Module for IncludeRole {
    type Plan = ();

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        crate::model::role::entry_of(args, true)?;
        match args.get("apply") {
            Some(apply) => crate::model::include::applied(apply).map(drop),
            None => Ok(()),
        }
    }

    async fn check(&self, _host: &HostReader<'_>) -> Result<Check<Self::Plan>, ModuleError> {
        Err(ModuleError::failed("`include_role` is run by the engine, not as a module"))
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
