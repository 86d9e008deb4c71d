//! `vm_plan`: the VM plan held against the host before anything changes. Fails on any error
//! the validator finds, reports its warnings, draws the placement map, and publishes the plan
//! as `vm_plan` for the phases that create the VMs.

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use super::topology_source::TopologySource;
use crate::modules::action::Action;
use crate::modules::contract::{Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::probe::{Probe, ReadOnlyProgram};
use crate::modules::support::controller_file;
use crate::numa::plan::stable_mac;
use crate::numa::{
    DEFAULT_HOST_RESERVE_MB, Level, Rule, Topology, VmPlan, accept, map, validate, whole_cores,
};
use crate::template::{node_to_value, value_to_node};
use crate::yaml;
use ipnet::Ipv4Net;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VmPlanModule {
    /// The plan itself, in the homonculus shape (`virtual_machines: [...]`).
    #[schemars(with = "Option<serde_json::Value>")]
    plan: Option<Value>,
    /// Or a homonculus JSON (or YAML) file on the controller.
    plan_file: Option<String>,
    #[serde(default)]
    topology: TopologySource,
    /// Memory each node keeps for the host.
    #[serde(default = "default_reserve")]
    host_reserve_mb: u64,
    /// Rules whose errors this host accepts as warnings (by name, e.g. `shared-cpu`).
    #[serde(default)]
    accept_rules: Vec<String>,
    /// Print the map and every finding (phase 1 does; later phases only need the plan).
    #[serde(default = "yes")]
    show_map: bool,
    /// Also draw the map as SVG into this controller-side file.
    map_svg: Option<String>,
}

fn yes() -> bool {
    true
}

fn default_reserve() -> u64 {
    DEFAULT_HOST_RESERVE_MB
}

impl VmPlanModule {
    fn load(&self, host: &HostReader<'_>) -> Result<(VmPlan, Value), ModuleError> {
        match (&self.plan, &self.plan_file) {
            (Some(value), None) => {
                let node = value_to_node(value, host.span);
                Ok((VmPlan::from_node(&node)?, value.clone()))
            }
            (None, Some(file)) => {
                let node = yaml::load_file(&host.find_source(file, "files")?)?;
                Ok((VmPlan::from_node(&node)?, node_to_value(&node)))
            }
            _ => Err(ModuleError::failed("`vm_plan` needs `plan` or `plan_file`, not both")),
        }
    }
}

impl Action for VmPlanModule {
    const NAME: &'static str = "vm_plan";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for VmPlanModule {
    type Plan = ();

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Self::Plan>, ModuleError> {
        let (plan, value) = self.load(host)?;
        static_addresses_on_their_bridges(host, &plan).await?;
        let topology = self.topology.read(host).await?;
        let mut findings = validate(&plan, &topology, self.host_reserve_mb);
        let accepted = self
            .accept_rules
            .iter()
            .map(|name| {
                Rule::named(name)
                    .ok_or_else(|| ModuleError::failed(format!("accept_rules: no rule `{name}`")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        accept(&mut findings, &accepted);
        if let Some(path) = &self.map_svg {
            controller_file::write(std::path::Path::new(path), &map::svg(&plan, &topology))?;
        }
        let errors = findings.iter().filter(|f| f.level == Level::Error).count();
        let mut msg = String::new();
        if self.show_map {
            msg.push_str(&map::text(&plan, &topology));
            for finding in &findings {
                msg.push_str(&format!("{finding}\n"));
            }
        }
        msg.push_str(&format!(
            "{} VM(s): {errors} error(s), {} warning(s)",
            plan.virtual_machines.len(),
            findings.len() - errors
        ));
        let listed: Vec<Value> = findings.iter().map(|f| Value::from(f.to_string())).collect();
        Ok(Check::Ok(Outcome {
            failed: errors > 0,
            msg: Some(msg),
            data: vec![("findings".into(), Value::from(listed))],
            facts: vec![
                ("vm_plan".into(), with_macs(value)),
                ("guest_topology".into(), guest_topology(&plan, &topology)),
            ],
            ..Outcome::default()
        }))
    }
}

/// Each static address must be on a network its bridge is on: a VM given an address outside it
/// would boot unreachable. A bridge that does not exist (yet) is the domain's to refuse.
async fn static_addresses_on_their_bridges(
    host: &HostReader<'_>,
    plan: &VmPlan,
) -> Result<(), ModuleError> {
    for vm in &plan.virtual_machines {
        let Some(network) = &vm.network else { continue };
        // An address with its prefix length: a bare address says nothing of its network.
        let wanted: Ipv4Net = network.address.trim().parse().map_err(|_| {
            ModuleError::failed(format!(
                "{}: network.address `{}` is not an IPv4 address with its prefix length \
                 (192.168.1.51/24)",
                vm.name, network.address
            ))
        })?;
        let Some(bridge) = &vm.bridge_network_interface else { continue };
        let shown = host
            .probe(Probe::program(ReadOnlyProgram::IpAddrShow, ["dev", bridge.as_str()]))
            .await?;
        if shown.rc != 0 {
            continue;
        }
        let text = String::from_utf8_lossy(&shown.stdout);
        let networks: Vec<Ipv4Net> = text
            .lines()
            .filter_map(|line| line.split_whitespace().skip_while(|w| *w != "inet").nth(1))
            .filter_map(|cidr| cidr.parse::<Ipv4Net>().ok())
            .collect();
        if !networks.is_empty() && !networks.iter().any(|n| n.contains(&wanted.addr())) {
            let on: Vec<String> = networks.iter().map(|n| n.trunc().to_string()).collect();
            return Err(ModuleError::failed(format!(
                "{}: the static address {} is outside its bridge {bridge}, which is on {}",
                vm.name,
                network.address,
                on.join(", ")
            )));
        }
    }
    Ok(())
}

/// The plan as later phases read it: every static address bound to a MAC, the plan's own or one
/// derived from the VM's name, which the domain sets and the seed matches.
fn with_macs(plan: Value) -> Value {
    let Ok(mut json) = serde_json::to_value(&plan) else { return plan };
    for vm in json["virtual_machines"].as_array_mut().into_iter().flatten() {
        let name = vm["name"].as_str().unwrap_or_default().to_string();
        if let Some(network) = vm.get_mut("network").and_then(|n| n.as_object_mut())
            && network.get("mac").is_none_or(|mac| mac.is_null())
        {
            network.insert("mac".into(), stable_mac(&name).into());
        }
    }
    Value::from(minijinja::value::Serde(json))
}

/// Per VM, the CPU topology its guest is told: a vCPU pair on one core's threads is a core
/// with two threads; otherwise every vCPU is a core of its own.
fn guest_topology(plan: &VmPlan, topology: &Topology) -> Value {
    let per_vm: serde_json::Map<String, serde_json::Value> = plan
        .virtual_machines
        .iter()
        .map(|vm| {
            let threads = if whole_cores(vm, topology) { 2 } else { 1 };
            (vm.name.clone(), serde_json::json!({ "sockets": 1, "cores": vm.vcpu_count / threads, "threads": threads }))
        })
        .collect();
    Value::from(minijinja::value::Serde(per_vm))
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Loads a VM plan, validates it against the host's topology and sets `vm_plan` for the steps after.",
    check_mode: CheckMode::Runs,
    diff: false,
    returns: &[("vm_plan", "the plan, each VM completed"), ("findings", "what validation found")],
    example: "- vm_plan: { plan_file: examples/vm.cluster-numa.json, show_map: false }",
};
