//! `libvirt_verify`: a running VM's vCPU pins, emulator pin and NUMA binding as libvirt reports
//! them live (the guide's `virsh vcpupin / emulatorpin / numatune`), held against the plan.
//! Any difference fails the step, each named.

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use super::hypervisor::{self, default_uri};
use crate::libvirt::pins;
use crate::modules::action::Action;
use crate::modules::contract::{Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::numa::{CpuSet, VmSpec};
use crate::template::value_to_node;
use crate::yaml;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LibvirtVerify {
    /// The VM's entry in the plan (`vm_plan.virtual_machines[i]`).
    #[schemars(with = "serde_json::Value")]
    vm: Value,
    #[serde(default = "default_uri")]
    uri: String,
}

impl Action for LibvirtVerify {
    const NAME: &'static str = "libvirt_verify";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for LibvirtVerify {
    type Plan = ();

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Self::Plan>, ModuleError> {
        let vm: VmSpec = yaml::decode(&value_to_node(&self.vm, host.span))?;
        let hypervisor = hypervisor::connect(host, &self.uri).await?;
        let name = vm.name.clone();
        let live = hypervisor
            .read(move |libvirt| match libvirt.running(&name)? {
                Some(domain) => domain.live_placement().map(Some),
                None => Ok(None),
            })
            .await
            .map_err(ModuleError::failed)?;
        let Some(live) = live else {
            return Ok(Check::Ok(Outcome {
                failed: true,
                msg: Some(format!("{} is not running", vm.name)),
                ..Outcome::default()
            }));
        };
        let differences = differences(&vm, &live);
        let msg = match differences.is_empty() {
            true => format!(
                "{}: {} vCPUs pinned as planned, emulator on {}, memory {} on node(s) {}",
                vm.name,
                live.vcpus.len(),
                live.emulator,
                live.numa_mode.as_deref().unwrap_or("?"),
                live.numa_nodeset
            ),
            false => format!("{} is not placed as planned: {}", vm.name, differences.join("; ")),
        };
        Ok(Check::Ok(Outcome {
            failed: !differences.is_empty(),
            msg: Some(msg),
            ..Outcome::default()
        }))
    }
}

fn differences(vm: &VmSpec, live: &pins::LivePlacement) -> Vec<String> {
    let mut found = Vec::new();
    if live.vcpus.len() != vm.tuning.vcpu_pins.len() {
        found.push(format!(
            "{} vCPUs run, the plan has {}",
            live.vcpus.len(),
            vm.tuning.vcpu_pins.len()
        ));
    }
    for (vcpu, (planned, actual)) in vm.tuning.vcpu_pins.iter().zip(&live.vcpus).enumerate() {
        if *actual != CpuSet::from_iter([*planned]) {
            found.push(format!("vCPU {vcpu} may run on {actual}, planned {planned}"));
        }
    }
    if live.emulator != vm.tuning.emulator_cpuset {
        found.push(format!(
            "emulator threads on {}, planned {}",
            live.emulator, vm.tuning.emulator_cpuset
        ));
    }
    let planned_mode = vm.tuning.numa_memory.mode.as_deref().unwrap_or("");
    if live.numa_mode.as_deref() != Some(planned_mode) {
        found.push(format!(
            "memory mode {}, planned {planned_mode}",
            live.numa_mode.as_deref().unwrap_or("none")
        ));
    }
    if live.numa_nodeset != vm.tuning.numa_memory.nodeset {
        found.push(format!(
            "memory on node(s) {}, planned {}",
            live.numa_nodeset, vm.tuning.numa_memory.nodeset
        ));
    }
    found
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Reads a running domain's live vCPU and emulator pins and memory binding back against its plan.",
    check_mode: CheckMode::Runs,
    diff: false,
    returns: &[],
    example: "- libvirt_verify: { vm: \"{{ vm_plan.virtual_machines[0] }}\", uri: 'qemu:///system' }",
};
