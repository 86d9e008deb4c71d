//! The plan checked against the host before anything changes: every violation, named by the VM
//! and CPU it concerns. Errors stop a run; warnings are placements that work but cost.

use std::collections::BTreeSet;
use std::fmt;

use super::cpuset::CpuSet;
use super::placement::Placement;
use super::plan::{VmPlan, VmSpec};
use super::topology::Topology;

/// Memory kept for the host itself on every node unless the plan says otherwise.
pub const DEFAULT_HOST_RESERVE_MB: u64 = 4096;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// The plan cannot be used as it is.
    Error,
    /// The plan works but probably not as meant.
    Warning,
}

/// The rule a finding breaks; each can be named to accept it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Two VMs share a name.
    DuplicateName,
    /// The pin count is not the vCPU count.
    PinCount,
    /// A NUMA node the host lacks.
    UnknownNode,
    /// A CPU the host lacks.
    UnknownCpu,
    /// A pin or emulator CPU outside the memory's nodes.
    OutsideNode,
    /// A CPU pinned by two VMs.
    SharedCpu,
    /// Emulator threads on a vCPU's CPU.
    EmulatorOnVcpu,
    /// A vCPU pair split across cores.
    SplitCore,
    /// Bound memory beyond a node's.
    Memory,
    /// A memory mode other than `strict`, or none.
    Mode,
    /// No core left on a node for the host.
    Housekeeping,
}

impl Rule {
    /// Every rule.
    pub const ALL: [Rule; 11] = [
        Rule::DuplicateName,
        Rule::PinCount,
        Rule::UnknownNode,
        Rule::UnknownCpu,
        Rule::OutsideNode,
        Rule::SharedCpu,
        Rule::EmulatorOnVcpu,
        Rule::SplitCore,
        Rule::Memory,
        Rule::Mode,
        Rule::Housekeeping,
    ];

    /// The rule of this name.
    pub fn named(name: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|rule| rule.name() == name)
    }

    /// Its name, as `accept:` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Rule::DuplicateName => "duplicate-name",
            Rule::PinCount => "pin-count",
            Rule::UnknownNode => "unknown-node",
            Rule::UnknownCpu => "unknown-cpu",
            Rule::OutsideNode => "outside-node",
            Rule::SharedCpu => "shared-cpu",
            Rule::EmulatorOnVcpu => "emulator-on-vcpu",
            Rule::SplitCore => "split-core",
            Rule::Memory => "memory",
            Rule::Mode => "mode",
            Rule::Housekeeping => "housekeeping",
        }
    }
}

/// A rule a plan breaks, where, and why.
#[derive(Debug, Clone)]
pub struct Finding {
    /// How serious.
    pub level: Level,
    /// Which rule.
    pub rule: Rule,
    /// The VM, if one.
    pub vm: Option<String>,
    /// The CPU, if one.
    pub cpu: Option<u32>,
    /// What is wrong, in words.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        write!(f, "{level}[{}]", self.rule.name())?;
        if let Some(vm) = &self.vm {
            write!(f, " {vm}")?;
        }
        if let Some(cpu) = self.cpu {
            write!(f, " cpu {cpu}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every finding, errors first, in plan order within each level.
pub fn validate(plan: &VmPlan, topology: &Topology, reserve_mb: u64) -> Vec<Finding> {
    let mut findings = Findings::default();
    let mut names = BTreeSet::new();
    for vm in &plan.virtual_machines {
        if !names.insert(vm.name.as_str()) {
            findings.error(Rule::DuplicateName, Some(vm), None, "two VMs have this name".into());
        }
        check_vm(vm, topology, &mut findings);
    }
    check_sharing(plan, &mut findings);
    check_memory(plan, topology, reserve_mb, &mut findings);
    check_housekeeping(plan, topology, &mut findings);
    let mut all = findings.0;
    all.sort_by_key(|f| f.level);
    all
}

/// Errors of the rules a host accepts (a lab with fewer CPUs than VMs accepts shared CPUs)
/// become warnings that say so; they are never hidden.
pub fn accept(findings: &mut [Finding], rules: &[Rule]) {
    for finding in
        findings.iter_mut().filter(|f| f.level == Level::Error && rules.contains(&f.rule))
    {
        finding.level = Level::Warning;
        finding.message.push_str(" (accepted on this host)");
    }
    findings.sort_by_key(|f| f.level);
}

/// Whether every vCPU pair (0-1, 2-3, …) sits on one core's two threads: then the guest is
/// told `threads=2`, and its scheduler knows which vCPUs share a core.
pub fn whole_cores(vm: &VmSpec, topology: &Topology) -> bool {
    topology.threads_per_core() >= 2
        && vm.tuning.vcpu_pins.len().is_multiple_of(2)
        && vm
            .tuning
            .vcpu_pins
            .chunks(2)
            .all(|pair| topology.cpus.get(&pair[0]).is_some_and(|c| c.siblings.contains(pair[1])))
}

#[derive(Default)]
struct Findings(Vec<Finding>);

impl Findings {
    fn push(
        &mut self,
        level: Level,
        rule: Rule,
        vm: Option<&VmSpec>,
        cpu: Option<u32>,
        message: String,
    ) {
        self.0.push(Finding { level, rule, vm: vm.map(|v| v.name.clone()), cpu, message });
    }
    fn error(&mut self, rule: Rule, vm: Option<&VmSpec>, cpu: Option<u32>, message: String) {
        self.push(Level::Error, rule, vm, cpu, message);
    }
    fn warning(&mut self, rule: Rule, vm: Option<&VmSpec>, cpu: Option<u32>, message: String) {
        self.push(Level::Warning, rule, vm, cpu, message);
    }
}

fn check_vm(vm: &VmSpec, topology: &Topology, findings: &mut Findings) {
    let tuning = &vm.tuning;
    if tuning.vcpu_pins.len() != vm.vcpu_count as usize {
        let message =
            format!("{} vCPU pins for vcpu_count {}", tuning.vcpu_pins.len(), vm.vcpu_count);
        findings.error(Rule::PinCount, Some(vm), None, message);
    }
    let nodeset = &tuning.numa_memory.nodeset;
    if nodeset.is_empty() {
        findings.error(Rule::UnknownNode, Some(vm), None, "numa_memory.nodeset is empty".into());
    }
    let mut allowed = CpuSet::default();
    for id in nodeset.iter() {
        match topology.node(id) {
            Some(node) => node.cpus.iter().for_each(|c| allowed.insert(c)),
            None => findings.error(
                Rule::UnknownNode,
                Some(vm),
                None,
                format!("numa_memory.nodeset names node {id}, which the host lacks"),
            ),
        }
    }
    let mut seen = BTreeSet::new();
    let placed = tuning.vcpu_pins.iter().enumerate().map(|(v, c)| (format!("vCPU {v}"), *c));
    let emulator = tuning.emulator_cpuset.iter().map(|c| ("emulator threads".to_string(), c));
    for (what, cpu) in placed.chain(emulator) {
        match topology.cpus.get(&cpu) {
            None => findings.error(
                Rule::UnknownCpu,
                Some(vm),
                Some(cpu),
                format!("{what} pinned to CPU {cpu}, which the host lacks"),
            ),
            Some(host_cpu) if !allowed.contains(cpu) => findings.error(
                Rule::OutsideNode,
                Some(vm),
                Some(cpu),
                format!(
                    "{what} pinned to CPU {cpu} on node {}, outside numa_memory.nodeset {nodeset}",
                    host_cpu.node
                ),
            ),
            Some(_) => {}
        }
        if what.starts_with("vCPU") && !seen.insert(cpu) {
            findings.error(
                Rule::SharedCpu,
                Some(vm),
                Some(cpu),
                format!("{what} shares CPU {cpu} with another vCPU of this VM"),
            );
        }
    }
    match tuning.numa_memory.mode.as_deref().map(str::trim) {
        None | Some("") => findings.error(
            Rule::Mode,
            Some(vm),
            None,
            "numa_memory.mode is not stated; write `strict`".into(),
        ),
        Some("strict") => {}
        Some(mode @ ("preferred" | "interleave" | "restrictive")) => findings.warning(
            Rule::Mode,
            Some(vm),
            None,
            format!("numa_memory.mode `{mode}` lets memory leave the node; `strict` expected"),
        ),
        Some(other) => findings.error(
            Rule::Mode,
            Some(vm),
            None,
            format!(
                "numa_memory.mode `{other}` is not strict, preferred, interleave or restrictive"
            ),
        ),
    }
    check_cores(vm, topology, findings);
}

fn check_cores(vm: &VmSpec, topology: &Topology, findings: &mut Findings) {
    if topology.threads_per_core() < 2 || whole_cores(vm, topology) {
        return;
    }
    for (pair, cpus) in vm.tuning.vcpu_pins.chunks(2).enumerate() {
        let split = match cpus {
            [a, b] => !topology.cpus.get(a).is_some_and(|c| c.siblings.contains(*b)),
            _ => true,
        };
        if split {
            let on = cpus.iter().map(u32::to_string).collect::<Vec<_>>().join(" and ");
            let message = format!(
                "vCPUs {}-{} run on CPUs {on}, not one core's two threads: the guest gets threads=1 and its cores share \
                 hardware it cannot see",
                pair * 2,
                pair * 2 + 1
            );
            findings.warning(Rule::SplitCore, Some(vm), cpus.first().copied(), message);
            return;
        }
    }
}

fn check_sharing(plan: &VmPlan, findings: &mut Findings) {
    let placement = Placement::of(plan);
    let vms = &plan.virtual_machines;
    for (cpu, users) in &placement.vcpus {
        let mut owners: Vec<usize> = users.iter().map(|(vm, _)| *vm).collect();
        owners.dedup();
        if owners.len() > 1 {
            let who = users
                .iter()
                .map(|(vm, vcpu)| format!("vCPU {vcpu} of {}", vms[*vm].name))
                .collect::<Vec<_>>()
                .join(", ");
            findings.error(
                Rule::SharedCpu,
                Some(&vms[owners[1]]),
                Some(*cpu),
                format!("CPU {cpu} is pinned by {who}"),
            );
        }
    }
    for (cpu, emulators) in &placement.emulators {
        if let Some(users) = placement.vcpus.get(cpu) {
            let (vm, vcpu) = users[0];
            for emulator in emulators {
                let message = format!(
                    "emulator threads may run on CPU {cpu}, which runs vCPU {vcpu} of {}",
                    vms[vm].name
                );
                findings.error(Rule::EmulatorOnVcpu, Some(&vms[*emulator]), Some(*cpu), message);
            }
        }
    }
}

fn check_memory(plan: &VmPlan, topology: &Topology, reserve_mb: u64, findings: &mut Findings) {
    for node in &topology.nodes {
        let bound: u64 = plan
            .virtual_machines
            .iter()
            .filter(|vm| {
                vm.tuning.numa_memory.mode.as_deref() == Some("strict")
                    && vm.tuning.numa_memory.nodeset.contains(node.id)
            })
            .map(|vm| vm.memory_mb / vm.tuning.numa_memory.nodeset.len() as u64)
            .sum();
        if bound + reserve_mb > node.memory_mb {
            let message = format!(
                "node {}: {bound} MB bound strictly plus a {reserve_mb} MB host reserve exceed its {} MB",
                node.id, node.memory_mb
            );
            findings.error(Rule::Memory, None, None, message);
        }
    }
}

fn check_housekeeping(plan: &VmPlan, topology: &Topology, findings: &mut Findings) {
    let placement = Placement::of(plan);
    for node in &topology.nodes {
        let free_core = topology
            .cores(node.id)
            .iter()
            .any(|threads| threads.iter().all(|cpu| !placement.is_used(*cpu)));
        if !free_core {
            let message = format!(
                "node {}: every core runs a vCPU or emulator threads; none is left for the host itself",
                node.id
            );
            findings.warning(Rule::Housekeeping, None, None, message);
        }
    }
}
