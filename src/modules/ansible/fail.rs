//! `fail`: stops the host with a message, as a play's guard (`when:`) asks.

use async_trait::async_trait;
use serde::Deserialize;

use crate::modules::action::Action;
use crate::modules::contract::{Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Fail {
    #[serde(default = "default_msg")]
    msg: String,
}

/// Ansible's words when none are given.
fn default_msg() -> String {
    "Failed as requested from task".into()
}

impl Action for Fail {
    const NAME: &'static str = "fail";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for Fail {
    type Plan = ();

    async fn check(&self, _host: &HostReader<'_>) -> Result<Check<()>, ModuleError> {
        Ok(Check::Ok(Outcome { failed: true, msg: Some(self.msg.clone()), ..Outcome::default() }))
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Fails the host with a message.",
    check_mode: CheckMode::Runs,
    diff: false,
    returns: &[],
    example: "- fail: { msg: this host is not supported }",
};
