//! Who runs where: each host CPU's vCPUs and emulator threads under a plan. The validator and
//! the map both read the plan through this.

use std::collections::BTreeMap;

use super::plan::VmPlan;

#[derive(Debug, Default)]
pub struct Placement {
    /// Host CPU → (VM index, vCPU number) of every vCPU pinned there.
    pub vcpus: BTreeMap<u32, Vec<(usize, u32)>>,
    /// Host CPU → VM indexes whose emulator threads may run there.
    pub emulators: BTreeMap<u32, Vec<usize>>,
}

impl Placement {
    pub fn of(plan: &VmPlan) -> Placement {
        let mut placement = Placement::default();
        for (index, vm) in plan.virtual_machines.iter().enumerate() {
            for (vcpu, cpu) in vm.tuning.vcpu_pins.iter().enumerate() {
                placement.vcpus.entry(*cpu).or_default().push((index, vcpu as u32));
            }
            for cpu in vm.tuning.emulator_cpuset.iter() {
                placement.emulators.entry(cpu).or_default().push(index);
            }
        }
        placement
    }

    pub fn is_used(&self, cpu: u32) -> bool {
        self.vcpus.contains_key(&cpu) || self.emulators.contains_key(&cpu)
    }
}
