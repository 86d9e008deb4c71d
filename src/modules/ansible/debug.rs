//! `debug`: print a message or a variable.

use async_trait::async_trait;
use serde::Deserialize;

use crate::diag::Diag;
use crate::modules::action::Action;
use crate::modules::contract::{Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::yaml::Node;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Debug {
    #[schemars(with = "Option<serde_json::Value>")]
    msg: Option<minijinja::Value>,
    /// A variable name or expression, evaluated here rather than rendered beforehand.
    var: Option<String>,
    #[serde(default)]
    verbosity: u8,
}

impl Action for Debug {
    const NAME: &'static str = "debug";
    const TEMPLATED_BY_ITSELF: &'static [&'static str] = &["var"];
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for Debug {
    type Plan = ();

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Self::Plan>, ModuleError> {
        let text = match (&self.msg, &self.var) {
            (_, Some(var)) => format!("{var} = {}", host.scope.eval(var, host.span)?),
            (Some(msg), None) => match msg.as_str() {
                Some(text) => text.to_string(),
                None => msg.to_string(),
            },
            (None, None) => "Hello world!".to_string(),
        };
        Ok(Check::Ok(Outcome {
            msg: Some(text),
            data: vec![("verbosity".into(), self.verbosity.into())],
            ..Outcome::default()
        }))
    }

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        match (&self.msg, &self.var) {
            (Some(_), Some(_)) => Err(Diag::invalid(&args.span, "give `msg` or `var`, not both")),
            _ => Ok(()),
        }
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Prints a message or a variable.",
    check_mode: CheckMode::Runs,
    diff: false,
    returns: &[],
    example: "- debug: { msg: \"{{ inventory_hostname }} runs {{ ansible_distribution | default('?') }}\" }",
};
