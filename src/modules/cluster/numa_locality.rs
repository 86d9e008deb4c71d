//! `numa_locality`: where a running VM's memory actually is. It reads the QEMU process's
//! `/proc/<pid>/numa_maps` (what `numastat -p` sums) and reports the share of its pages on the
//! nodes the plan binds it to: with `numatune strict` that share should be all of it.

use std::collections::BTreeMap;

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use crate::modules::action::Action;
use crate::modules::contract::{Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::numa::VmSpec;
use crate::template::value_to_node;
use crate::yaml;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NumaLocality {
    /// The VM's entry in the plan (`vm_plan.virtual_machines[i]`).
    #[schemars(with = "serde_json::Value")]
    vm: Value,
    /// Where libvirt keeps the QEMU process id of a running domain.
    #[serde(default = "default_run_dir")]
    run_dir: String,
}

fn default_run_dir() -> String {
    "/run/libvirt/qemu".into()
}

/// Bytes per NUMA node summed over every mapping of one `numa_maps`.
fn bytes_per_node(numa_maps: &str) -> BTreeMap<u32, u64> {
    let mut per_node = BTreeMap::new();
    for mapping in numa_maps.lines() {
        let fields: Vec<&str> = mapping.split_whitespace().collect();
        let page_kib = fields
            .iter()
            .find_map(|f| f.strip_prefix("kernelpagesize_kB=")?.parse::<u64>().ok())
            .unwrap_or(4);
        for (node, pages) in fields.iter().filter_map(|f| f.strip_prefix('N')?.split_once('=')) {
            if let (Ok(node), Ok(pages)) = (node.parse::<u32>(), pages.parse::<u64>()) {
                *per_node.entry(node).or_insert(0) += pages * page_kib * 1024;
            }
        }
    }
    per_node
}

impl Action for NumaLocality {
    const NAME: &'static str = "numa_locality";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for NumaLocality {
    type Plan = ();

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Self::Plan>, ModuleError> {
        let vm: VmSpec = yaml::decode(&value_to_node(&self.vm, host.span))?;
        let pid_file = format!("{}/{}.pid", self.run_dir, vm.name);
        let pid = host.read(&pid_file).await?.ok_or_else(|| {
            ModuleError::failed(format!("{} is not running ({pid_file} is missing)", vm.name))
        })?;
        let pid = String::from_utf8_lossy(&pid).trim().to_string();
        let maps_path = format!("/proc/{pid}/numa_maps");
        let maps = host.read(&maps_path).await?.ok_or_else(|| {
            ModuleError::failed(format!("{maps_path} is missing: is process {pid} gone?"))
        })?;
        let per_node = bytes_per_node(&String::from_utf8_lossy(&maps));
        let total: u64 = per_node.values().sum();
        let local: u64 = per_node
            .iter()
            .filter(|(node, _)| vm.tuning.numa_memory.nodeset.contains(**node))
            .map(|(_, bytes)| bytes)
            .sum();
        let ratio = if total == 0 { 1.0 } else { local as f64 / total as f64 };
        let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
        let nodes: BTreeMap<String, f64> =
            per_node.iter().map(|(node, bytes)| (node.to_string(), mib(*bytes))).collect();
        let locality = serde_json::json!({ "vm": vm.name, "pid": pid, "total_mib": mib(total), "local_mib": mib(local), "ratio": ratio, "nodes": nodes });
        Ok(Check::Ok(Outcome {
            msg: Some(format!(
                "{}: {:.1}% of {:.0} MiB on node(s) {}",
                vm.name,
                ratio * 100.0,
                mib(total),
                vm.tuning.numa_memory.nodeset
            )),
            data: vec![("locality".into(), Value::from(minijinja::value::Serde(locality)))],
            ..Outcome::default()
        }))
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Measures where a running VM's memory lives, node by node, against its plan.",
    check_mode: CheckMode::Runs,
    diff: false,
    returns: &[("vm", "the VM"), ("locality", "its memory per node")],
    example: "- numa_locality: { vm: \"{{ vm_plan.virtual_machines[0] }}\" }",
};

#[cfg(test)]
mod tests {
    use super::bytes_per_node;

    #[test]
    fn sums_pages_per_node_with_their_page_size() {
        let maps = "7f00 default anon=3 dirty=3 N0=2 N1=1 kernelpagesize_kB=4\n\
                    7f10 bind:0 file=/dev/hugepages/x huge N0=1 kernelpagesize_kB=2048\n\
                    7f20 default file=/lib/x.so mapped=5 mapmax=2 N1=5 kernelpagesize_kB=4\n";
        let per_node = bytes_per_node(maps);
        assert_eq!(per_node[&0], 2 * 4096 + 2048 * 1024);
        assert_eq!(per_node[&1], 6 * 4096);
    }
}
