//! `host_facts`: what the guide's phase 1 checks, as variables: the NUMA topology (`numa`),
//! free space under given paths (`disk_free_gb`) and the block devices (`block_devices`).

use std::collections::BTreeMap;

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use super::topology_source::TopologySource;
use crate::modules::action::Action;
use crate::modules::contract::{Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::probe::{NO_ARGUMENTS, Probe, ReadOnlyProgram, scripts};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HostFacts {
    #[serde(default)]
    topology: TopologySource,
    /// Paths whose filesystem's free space to report.
    #[serde(default)]
    free_space: Vec<String>,
}

impl Action for HostFacts {
    const NAME: &'static str = "host_facts";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for HostFacts {
    type Plan = ();

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Self::Plan>, ModuleError> {
        let topology = self.topology.read(host).await?;
        let mut facts = vec![("numa".to_string(), topology.to_value())];
        facts.push(("block_devices".into(), block_devices(host).await?));
        if !self.free_space.is_empty() {
            facts.push(("disk_free_gb".into(), free_space(host, &self.free_space).await?));
        }
        let msg = format!(
            "{} NUMA node(s), {} CPUs, {} thread(s) per core, {} socket(s)",
            topology.nodes.len(),
            topology.cpus.len(),
            topology.threads_per_core(),
            topology.sockets()
        );
        Ok(Check::Ok(Outcome { msg: Some(msg), facts, ..Outcome::default() }))
    }
}

async fn block_devices(host: &HostReader<'_>) -> Result<Value, ModuleError> {
    let output = host.probe(Probe::script(&scripts::BLOCK_DEVICES, NO_ARGUMENTS)).await?;
    let devices: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let (name, bytes, rotational) =
                (words.next()?, words.next()?.parse::<u64>().ok()?, words.next()?);
            Some(serde_json::json!({
                "name": name,
                "size_gb": bytes as f64 / 1e9,
                "rotational": rotational == "1",
            }))
        })
        .collect();
    Ok(Value::from(minijinja::value::Serde(devices)))
}

async fn free_space(host: &HostReader<'_>, paths: &[String]) -> Result<Value, ModuleError> {
    let mut argv = vec!["-k".to_string(), "--".into()];
    for path in paths {
        // A folder not made yet will live on its nearest existing parent's filesystem.
        let mut existing = std::path::Path::new(path);
        while host.stat(&existing.display().to_string()).await?.is_none() {
            existing = existing.parent().unwrap_or(std::path::Path::new("/"));
        }
        argv.push(existing.display().to_string());
    }
    let output = host.probe(Probe::program(ReadOnlyProgram::Df, argv)).await?;
    if output.rc != 0 {
        return Err(ModuleError::failed(format!("df: {}", output.stderr_text())));
    }
    // df -P prints a header, then one line per path in the order given.
    let free: BTreeMap<&String, f64> = paths
        .iter()
        .zip(String::from_utf8_lossy(&output.stdout).lines().skip(1).map(|line| {
            line.split_whitespace()
                .nth(3)
                .and_then(|kib| kib.parse::<f64>().ok())
                .map(|kib| kib * 1024.0 / 1e9)
                .unwrap_or(0.0)
        }))
        .collect();
    Ok(Value::from(minijinja::value::Serde(free)))
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Reads the hypervisor's NUMA topology, free space and block devices into facts.",
    check_mode: CheckMode::Runs,
    diff: false,
    returns: &[
        ("numa", "nodes, CPUs, threads per core, memory per node"),
        ("disk_free_gb", "free space by folder"),
        ("block_devices", "disks and their sizes"),
    ],
    example: "- host_facts: { free_space: [/var/lib/libvirt/images] }",
};
