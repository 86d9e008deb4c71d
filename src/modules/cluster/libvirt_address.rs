//! `libvirt_address`: waits for a VM's address, from its network's DHCP leases or the guest
//! agent, and adds it to `vm_addresses[name]`, which the VMs' inventory entries read
//! (`ansible_host: "{{ hostvars['hypervisor'].vm_addresses[inventory_hostname] }}"`). A rerun
//! with `--tags` finds running VMs the same way: no state file.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use super::hypervisor::{self, default_uri};
use crate::libvirt::{Hypervisor, find_domain, leases};
use crate::modules::contract::{Check, Module, Outcome};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LibvirtAddress {
    domain: String,
    #[serde(default = "default_uri")]
    uri: String,
    /// The libvirt network whose leases to read.
    #[serde(default = "default_network")]
    network: String,
    #[serde(default)]
    source: AddressSource,
    /// Seconds to wait; a VM under software emulation may take minutes to ask for a lease.
    #[serde(default = "five_minutes")]
    timeout: u64,
}

#[derive(Debug, Default, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum AddressSource {
    #[default]
    Lease,
    Agent,
}

fn default_network() -> String {
    "default".into()
}

fn five_minutes() -> u64 {
    300
}

enum Found {
    NotRunning,
    Waiting,
    Address(String),
}

impl LibvirtAddress {
    async fn look(&self, hypervisor: &Hypervisor) -> Result<Found, ModuleError> {
        let (name, network, source) = (self.domain.clone(), self.network.clone(), self.source);
        hypervisor
            .call(move |conn| {
                let Some(domain) =
                    find_domain(conn, &name)?.filter(|d| d.is_active().unwrap_or(false))
                else {
                    return Ok(Found::NotRunning);
                };
                let address = match source {
                    AddressSource::Lease => leases::from_leases(conn, &domain, &network)?,
                    // The agent answers only once the guest has started it.
                    AddressSource::Agent => leases::from_agent(&domain).unwrap_or(None),
                };
                Ok(address.map_or(Found::Waiting, Found::Address))
            })
            .await
            .map_err(ModuleError::failed)
    }
}

#[async_trait]
impl Module for LibvirtAddress {
    type Plan = ();

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Self::Plan>, ModuleError> {
        let hypervisor = hypervisor::connect(host, &self.uri).await?;
        let deadline = Instant::now() + Duration::from_secs(self.timeout);
        let address = loop {
            match self.look(&hypervisor).await? {
                Found::Address(address) => break address,
                Found::NotRunning if in_check_mode(host)? => {
                    return Ok(Check::Unknown(
                        format!("{} is not running yet: its address is not known", self.domain),
                        (),
                    ));
                }
                Found::NotRunning => {
                    return Err(ModuleError::failed(format!("{} is not running", self.domain)));
                }
                Found::Waiting if Instant::now() >= deadline => {
                    return Err(ModuleError::failed(format!(
                        "{} has no address after {} s",
                        self.domain, self.timeout
                    )));
                }
                Found::Waiting => tokio::time::sleep(Duration::from_secs(2)).await,
            }
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
