//! `libvirt_address`: waits for a VM's address and adds it to `vm_addresses[name]`, which the
//! VMs' inventory entries read (`ansible_host: "{{ hostvars['localhost'].vm_addresses[…] }}"`).
//! The address comes from the first of `sources` that answers, in their order: `static` (the
//! plan's address, for a LAN whose DHCP server libvirt never sees), `agent` (the guest agent),
//! `arp` (the host's neighbour table, for a bridged VM that has talked), `lease` (a libvirt
//! network's DHCP leases). When none answers in time, the error names the VM and what each
//! source said. A rerun with `--tags` finds running VMs the same way: no state file.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use super::hypervisor::{self, default_uri};
use crate::libvirt::view::HypervisorView;
use crate::modules::action::Action;
use crate::modules::contract::{Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LibvirtAddress {
    domain: String,
    #[serde(default = "default_uri")]
    uri: String,
    /// The libvirt network whose leases to read.
    #[serde(default = "default_network")]
    network: String,
    /// The plan's static address (`192.168.1.51/24`), for the `static` source.
    address: Option<String>,
    /// Where to look, in order.
    #[serde(default = "default_sources")]
    sources: Vec<AddressSource>,
    /// Seconds to wait; a VM under software emulation may take minutes to ask for a lease.
    #[serde(default = "five_minutes")]
    timeout: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum AddressSource {
    Static,
    Agent,
    Arp,
    Lease,
}

fn default_sources() -> Vec<AddressSource> {
    vec![AddressSource::Static, AddressSource::Agent, AddressSource::Arp, AddressSource::Lease]
}

fn default_network() -> String {
    "default".into()
}

fn five_minutes() -> u64 {
    300
}

enum Found {
    NotRunning,
    /// No source answered; what each said.
    Waiting(Vec<String>),
    Address(String),
}

impl LibvirtAddress {
    /// The plan's address without its prefix, when `static` is a source and the plan gives one.
    fn static_address(&self) -> Option<String> {
        let address =
            self.address.as_ref().filter(|_| self.sources.contains(&AddressSource::Static))?;
        Some(address.split('/').next().unwrap_or(address).to_string())
    }

    /// Asks each source in order, once.
    async fn look(&self, hypervisor: &HypervisorView) -> Result<Found, ModuleError> {
        let (name, network) = (self.domain.clone(), self.network.clone());
        let (sources, static_address) = (self.sources.clone(), self.static_address());
        hypervisor
            .read(move |libvirt| {
                let Some(domain) = libvirt.running(&name).ok().flatten() else {
                    return Ok(Found::NotRunning);
                };
                let mut said = Vec::new();
                for source in sources {
                    // A source that fails says why, and the next one is asked.
                    let (address, what) = match source {
                        AddressSource::Static => match &static_address {
                            Some(address) => return Ok(Found::Address(address.clone())),
                            None => {
                                said.push("static: the plan gives none".to_string());
                                continue;
                            }
                        },
                        // The agent answers only once the guest has started it.
                        AddressSource::Agent => (domain.address_from_agent(), "the guest agent"),
                        AddressSource::Arp => (domain.address_from_arp(), "the host's ARP table"),
                        AddressSource::Lease => (
                            domain.address_from_leases(&network),
                            "the DHCP leases of libvirt's network",
                        ),
                    };
                    match address {
                        Ok(Some(address)) => return Ok(Found::Address(address)),
                        Ok(None) => said.push(format!("{what}: none")),
                        Err(e) => said.push(format!("{what}: {}", e.message())),
                    }
                }
                Ok(Found::Waiting(said))
            })
            .await
            .map_err(ModuleError::failed)
    }

    /// Asks until a source answers or the deadline passes; `None` in a dry run where the VM is
    /// not running yet.
    async fn wait_for(&self, host: &HostReader<'_>) -> Result<Option<String>, ModuleError> {
        let hypervisor = hypervisor::connect(host, &self.uri).await?;
        let deadline = Instant::now() + Duration::from_secs(self.timeout);
        loop {
            match self.look(&hypervisor).await? {
                Found::Address(address) => return Ok(Some(address)),
                Found::NotRunning if in_check_mode(host)? => return Ok(None),
                Found::NotRunning => {
                    return Err(ModuleError::failed(format!("{} is not running", self.domain)));
                }
                Found::Waiting(said) if Instant::now() >= deadline => {
                    let said =
                        if said.is_empty() { "no source to ask".into() } else { said.join("; ") };
                    return Err(ModuleError::failed(format!(
                        "{} has no address after {} s: {said}",
                        self.domain, self.timeout
                    )));
                }
                Found::Waiting(_) => tokio::time::sleep(Duration::from_secs(2)).await,
            }
        }
    }
}

impl Action for LibvirtAddress {
    const NAME: &'static str = "libvirt_address";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for LibvirtAddress {
    type Plan = ();

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Self::Plan>, ModuleError> {
        let address = match self.static_address() {
            // The plan's word comes first: it holds before the VM runs, without asking libvirt.
            Some(address) if self.sources.first() == Some(&AddressSource::Static) => address,
            _ => match self.wait_for(host).await? {
                Some(address) => address,
                None => {
                    let reason =
                        format!("{} is not running yet: its address is not known", self.domain);
                    return Ok(Check::Unknown(reason, ()));
                }
            },
        };
        let mut known: serde_json::Map<String, serde_json::Value> =
            match host.scope.get("vm_addresses")? {
                Some(value) => serde_json::to_value(&value)
                    .ok()
                    .and_then(|v| v.as_object().cloned())
                    .unwrap_or_default(),
                None => serde_json::Map::new(),
            };
        known.insert(self.domain.clone(), address.clone().into());
        Ok(Check::Ok(Outcome {
            msg: Some(format!("{}: {address}", self.domain)),
            data: vec![("address".into(), Value::from(address))],
            facts: vec![("vm_addresses".into(), Value::from(minijinja::value::Serde(known)))],
            ..Outcome::default()
        }))
    }
}

fn in_check_mode(host: &HostReader<'_>) -> Result<bool, ModuleError> {
    Ok(host.scope.get("ansible_check_mode")?.is_some_and(|v| v.is_true()))
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Finds a VM's address: its static one, the guest agent, the ARP table or DHCP leases.",
    check_mode: CheckMode::Runs,
    diff: false,
    returns: &[("address", "the address found"), ("vm_addresses", "every VM's address so far")],
    example: "- libvirt_address: { domain: vm1, uri: 'qemu:///system', sources: [static, agent, arp, lease] }",
};
