//! `set_fact`: variables for the host, from here to the end of the run.

use std::collections::BTreeMap;

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use crate::modules::action::Action;
use crate::modules::contract::{Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct SetFact(
    #[schemars(with = "BTreeMap<String, serde_json::Value>")] BTreeMap<String, Value>,
);

impl Action for SetFact {
    const NAME: &'static str = "set_fact";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for SetFact {
    type Plan = ();

    async fn check(&self, _host: &HostReader<'_>) -> Result<Check<Self::Plan>, ModuleError> {
        // `cacheable` means nothing without a fact cache; accepted for Ansible playbooks.
        let facts = self
            .0
            .iter()
            .filter(|(k, _)| *k != "cacheable")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Ok(Check::Ok(Outcome { facts, ..Outcome::default() }))
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Sets variables for the host, for the steps after it.",
    check_mode: CheckMode::Runs,
    diff: false,
    returns: &[],
    example: "- set_fact: { app_port: 8080, app_url: \"http://{{ inventory_hostname }}:8080\" }",
};
