//! `setup`: the host's facts (`ansible_distribution`, `ansible_default_ipv4`, …), read in one
//! round trip and set both as `ansible_facts.NAME` and as `ansible_NAME`. A play runs it first
//! as "Gathering Facts" unless `gather_facts: false`.

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use super::setup_facts;
use crate::modules::action::Action;
use crate::modules::contract::{Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::probe::{NO_ARGUMENTS, Probe, scripts};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    /// `all` (the default), `min`, `hardware`, `network`, `virtual`; `!name` leaves one out.
    #[serde(default)]
    gather_subset: Subsets,
    /// Glob patterns (`ansible_distribution*`): only the facts whose names match.
    #[serde(default)]
    filter: Subsets,
    /// Accepted: the facts are read in one request, bounded by the connection's timeouts.
    #[serde(default)]
    #[allow(dead_code)]
    gather_timeout: Option<u64>,
    /// Accepted for Ansible playbooks: numarun keeps no fact cache between runs.
    #[serde(default)]
    #[allow(dead_code)]
    fact_path: Option<String>,
}

/// One name or a list of them (Ansible also takes `a,b`).
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
enum Subsets {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

impl Subsets {
    fn names(&self) -> Vec<String> {
        let all = match self {
            Subsets::None => Vec::new(),
            Subsets::One(one) => vec![one.clone()],
            Subsets::Many(many) => many.clone(),
        };
        all.iter().flat_map(|s| s.split(',')).map(|s| s.trim().to_string()).collect()
    }
}

/// The facts each subset adds to the minimal ones.
const HARDWARE: &[&str] = &[
    "memtotal_mb",
    "memfree_mb",
    "swaptotal_mb",
    "swapfree_mb",
    "processor_vcpus",
    "processor_count",
    "processor_cores",
    "processor_threads_per_core",
    "mounts",
    "devices",
];
const NETWORK: &[&str] = &["default_ipv4", "all_ipv4_addresses", "interfaces"];

impl Setup {
    /// Whether a fact (by its name without `ansible_`) is asked for.
    fn wanted(&self, name: &str) -> bool {
        let subsets = self.gather_subset.names();
        let has = |s: &str| subsets.iter().any(|x| x == s);
        let all = subsets.is_empty() || has("all");
        let hardware = (all || has("hardware")) && !has("!hardware") && !has("!all");
        let network = (all || has("network")) && !has("!network") && !has("!all");
        let in_subset = if HARDWARE.contains(&name) {
            hardware
        } else if NETWORK.contains(&name) {
            network
        } else {
            true
        };
        let filters = self.filter.names();
        in_subset
            && (filters.is_empty()
                || filters.iter().any(|f| glob(f, &format!("ansible_{name}")) || glob(f, name)))
    }
}

/// `*` and `?` in a fact filter.
fn glob(pattern: &str, name: &str) -> bool {
    let regex = format!("^{}$", regex::escape(pattern).replace(r"\*", ".*").replace(r"\?", "."));
    regex::Regex::new(&regex).is_ok_and(|r| r.is_match(name))
}

impl Action for Setup {
    const NAME: &'static str = "setup";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for Setup {
    type Plan = ();

    const GATHERS_FACTS: bool = true;

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Self::Plan>, ModuleError> {
        let output = host.probe(Probe::script(&scripts::SETUP_FACTS, NO_ARGUMENTS)).await?;
        let mut facts = setup_facts::parse(&String::from_utf8_lossy(&output.stdout));
        facts.retain(|name, _| self.wanted(name));
        let all = Value::from(minijinja::value::Serde(&facts));
        let mut set: Vec<(String, Value)> = facts
            .iter()
            .map(|(name, value)| {
                (format!("ansible_{name}"), Value::from(minijinja::value::Serde(value)))
            })
            .collect();
        set.push(("ansible_facts".into(), all.clone()));
        Ok(Check::Ok(Outcome {
            data: vec![("ansible_facts".into(), all)],
            facts: set,
            ..Outcome::default()
        }))
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Gathers the host's facts (`ansible_*`) in one round trip.",
    check_mode: CheckMode::Runs,
    diff: false,
    returns: &[("ansible_facts", "the facts gathered")],
    example: "- setup: { gather_subset: [network, hardware], filter: ['ansible_default_ipv4'] }",
};
