//! `set_fact`: variables for the host, from here to the end of the run.

use std::collections::BTreeMap;

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use crate::modules::contract::{Check, Cx, Module, ModuleError, Outcome};

#[derive(Debug, Deserialize)]
pub struct SetFact(BTreeMap<String, Value>);

#[async_trait]
impl Module for SetFact {
    async fn check(&self, _cx: &Cx<'_>) -> Result<Check, ModuleError> {
        // `cacheable` means nothing without a fact cache; accepted for Ansible playbooks.
        let facts = self.0.iter().filter(|(k, _)| *k != "cacheable").map(|(k, v)| (k.clone(), v.clone())).collect();
        Ok(Check::Ok(Outcome { facts, ..Outcome::default() }))
    }
}
