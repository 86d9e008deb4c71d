//! `assert`: conditions that must hold, checked the same way in check mode.

use async_trait::async_trait;
use serde::Deserialize;

use crate::modules::action::Action;
use crate::modules::contract::{Check, Module, OneOrMany, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::yaml::{Node, NodeKind};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Assert {
    /// Bare expressions, evaluated here rather than rendered beforehand.
    that: OneOrMany<String>,
    #[serde(alias = "msg")]
    #[schemars(extend("x-aliases" = ["msg"]))]
    fail_msg: Option<String>,
    success_msg: Option<String>,
    #[serde(default)]
    quiet: bool,
}

impl Action for Assert {
    const NAME: &'static str = "assert";
    const TEMPLATED_BY_ITSELF: &'static [&'static str] = &["that"];
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for Assert {
    type Plan = ();

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Self::Plan>, ModuleError> {
        for condition in self.that.as_slice() {
            let node = Node::new(NodeKind::Str(condition.clone()), host.span.clone());
            if !host.scope.condition(&node)? {
                let msg = self
                    .fail_msg
                    .clone()
                    .unwrap_or_else(|| format!("assertion failed: {condition}"));
                return Ok(Check::Ok(Outcome {
                    failed: true,
                    msg: Some(msg),
                    ..Outcome::default()
                }));
            }
        }
        let msg = (!self.quiet)
            .then(|| self.success_msg.clone().unwrap_or_else(|| "all assertions passed".into()));
        Ok(Check::Ok(Outcome { msg, ..Outcome::default() }))
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Fails the host unless every expression in `that` is true.",
    check_mode: CheckMode::Runs,
    diff: false,
    returns: &[],
    example: "- assert: { that: [\"ansible_memtotal_mb > 1024\"], fail_msg: too little memory }",
};
