//! `cloud_init_iso`: a VM's NoCloud seed (user-data with its users and keys, meta-data,
//! network-config) as the ISO cloud-init reads at first boot. It may carry host keys made by
//! numarun, so the VM's key is known before it first answers: no trust on first use.
//!
//! An ISO's bytes hold timestamps, so the documents are also kept beside it
//! (`<path>.numarun-seed`, mode 600 like the ISO): the check compares those, exactly, and the
//! ISO is made again only when they differ.

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use crate::connection::{Attrs, Command};
use crate::diag::Diag;
use crate::events::TextDiff;
use crate::modules::action::Action;
use crate::modules::change_scripts;
use crate::modules::contract::{Change, Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::numa::plan::{StaticNetwork, UserConfig};
use crate::template::{YamlLayout, to_yaml};

/// cloud-init's files in block style, keys sorted, no line folded.
const CLOUD_CONFIG: YamlLayout =
    YamlLayout { indent: 2, width: usize::MAX / 2, flow_leaves: false, sort_keys: true };
use crate::yaml::Node;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CloudInitIso {
    path: String,
    hostname: String,
    /// The plan's `user_configs`: each gets sudo and its authorized keys.
    #[serde(default)]
    users: Vec<UserConfig>,
    /// `{ed25519: {private: ..., public: ...}}`: the VM's SSH host keys.
    #[schemars(with = "Option<serde_json::Value>")]
    host_keys: Option<Value>,
    /// `{ed25519: PATH}`: the VM's SSH host keys as files on the hypervisor (`PATH` and
    /// `PATH.pub`, as ssh-keygen writes them), read by the check: the private key never passes
    /// through a template or an argument.
    #[serde(default)]
    host_key_files: std::collections::BTreeMap<String, String>,
    /// A network-config document (netplan version 2). Without one, cloud-init's fallback
    /// applies: DHCP on the first NIC, whatever the guest names it.
    #[schemars(with = "Option<serde_json::Value>")]
    network_config: Option<Value>,
    /// The plan's static address (`network:` of a VM): written as the network-config, on the
    /// guest's first ethernet NIC, for a LAN whose DHCP server libvirt never sees.
    static_network: Option<StaticNetwork>,
    /// Packages installed at first boot (the guide's `virt-customize --install`); the guest
    /// agent among them is enabled and started, so libvirt can ask the guest for its address.
    #[serde(default)]
    packages: Vec<String>,
}

const SECRET: Attrs = Attrs { mode: Some(0o600), uid: None, gid: None, owner_best_effort: false };

/// A static address as netplan (version 2) has it: on the NIC with the plan's MAC, or else on
/// the guest's first ethernet NIC whatever its name (`enp1s0`, `ens3`), which only netplan
/// itself understands.
fn netplan(network: &StaticNetwork) -> serde_json::Value {
    let matched = match &network.mac {
        Some(mac) => serde_json::json!({ "macaddress": mac }),
        None => serde_json::json!({ "name": "en*" }),
    };
    let mut nic = serde_json::json!({
        "match": matched,
        "dhcp4": false,
        "addresses": [network.address],
    });
    if let Some(gateway) = &network.gateway {
        // `0.0.0.0/0`, not netplan's `default`: cloud-init before 23.1 (Debian 12 has 22.4)
        // rejects the word and leaves the guest with no network at all (seen on the lab's VM).
        nic["routes"] = serde_json::json!([{ "to": "0.0.0.0/0", "via": gateway }]);
    }
    if !network.nameservers.is_empty() {
        nic["nameservers"] = serde_json::json!({ "addresses": network.nameservers });
    }
    serde_json::json!({ "version": 2, "ethernets": { "primary": nic } })
}

/// A VM's host key pair, by key type (`ed25519`).
type HostKeys = serde_json::Map<String, serde_json::Value>;

impl CloudInitIso {
    /// The host keys given inline and those read from `host_key_files`.
    async fn host_keys(&self, host: &HostReader<'_>) -> Result<Option<HostKeys>, ModuleError> {
        let mut keys: HostKeys = match &self.host_keys {
            Some(inline) => serde_json::to_value(inline)
                .ok()
                .and_then(|v| v.as_object().cloned())
                .unwrap_or_default(),
            None => HostKeys::new(),
        };
        for (kind, path) in &self.host_key_files {
            let mut pair = serde_json::Map::new();
            for (part, file) in [("private", path.clone()), ("public", format!("{path}.pub"))] {
                // Often made by the step before: a dry run cannot read it yet.
                let bytes = host.read(&file).await?.ok_or_else(|| {
                    ModuleError::NotYet(format!("no host key at {file} (ssh-keygen makes it)"))
                })?;
                pair.insert(part.into(), String::from_utf8_lossy(&bytes).into_owned().into());
            }
            keys.insert(kind.clone(), pair.into());
        }
        Ok((!keys.is_empty()).then_some(keys))
    }

    fn documents(&self, host_keys: Option<&HostKeys>) -> Vec<(&'static str, String)> {
        let users: Vec<serde_json::Value> = self
            .users
            .iter()
            .map(|u| {
                serde_json::json!({
                    "name": u.username,
                    "shell": "/bin/bash",
                    "sudo": "ALL=(ALL) NOPASSWD:ALL",
                    "lock_passwd": true,
                    "ssh_authorized_keys": u.ssh_authorized_keys,
                })
            })
            .collect();
        let mut config = serde_json::json!({
            "hostname": self.hostname,
            "users": users,
            "ssh_pwauth": false,
        });
        if let Some(keys) = host_keys {
            let mut ssh_keys = serde_json::Map::new();
            for (kind, pair) in keys {
                for part in ["private", "public"] {
                    if let Some(text) = pair.get(part).and_then(|v| v.as_str()) {
                        ssh_keys.insert(format!("{kind}_{part}"), text.into());
                    }
                }
            }
            config["ssh_keys"] = ssh_keys.into();
            config["ssh_deletekeys"] = true.into();
        }
        if !self.packages.is_empty() {
            config["package_update"] = true.into();
            config["packages"] = self.packages.clone().into();
            if self.packages.iter().any(|p| p == "qemu-guest-agent") {
                config["runcmd"] =
                    serde_json::json!([["systemctl", "enable", "--now", "qemu-guest-agent"]]);
            }
        }
        let yaml = |json: serde_json::Value| to_yaml(&json, CLOUD_CONFIG);
        let mut documents = vec![
            ("user-data", format!("#cloud-config\n{}", yaml(config))),
            ("meta-data", format!("instance-id: {0}\nlocal-hostname: {0}\n", self.hostname)),
        ];
        if let Some(network) = &self.network_config {
            documents
                .push(("network-config", yaml(serde_json::to_value(network).unwrap_or_default())));
        }
        if let Some(network) = &self.static_network {
            documents.push(("network-config", yaml(netplan(network))));
        }
        documents
    }

    fn seed_file(&self) -> String {
        format!("{}.numarun-seed", self.path)
    }

    /// The documents as kept beside the ISO: each under a header naming it.
    fn seed(documents: &[(&'static str, String)]) -> String {
        documents.iter().map(|(name, text)| format!("--- {name}\n{text}")).collect()
    }
}

impl Action for CloudInitIso {
    const NAME: &'static str = "cloud_init_iso";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for CloudInitIso {
    fn validate(&self, args: &Node) -> Result<(), Diag> {
        match (&self.network_config, &self.static_network) {
            (Some(_), Some(_)) => Err(Diag::invalid(
                &args.span,
                "`network_config` and `static_network` both say how the network is set up: give one",
            )),
            _ => Ok(()),
        }
    }

    /// The documents to put in the ISO.
    type Plan = Vec<(&'static str, String)>;

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Self::Plan>, ModuleError> {
        let documents = self.documents(self.host_keys(host).await?.as_ref());
        let desired = CloudInitIso::seed(&documents);
        let kept =
            host.read(&self.seed_file()).await?.map(|b| String::from_utf8_lossy(&b).into_owned());
        let iso = host.stat(&self.path).await?;
        if iso.is_some() && kept.as_deref() == Some(desired.as_str()) {
            return Ok(Check::Ok(Outcome::msg(format!("{} holds this seed", self.path))));
        }
        // The documents may hold private host keys: the diff shows only which ones changed.
        let names = |seed: &str| {
            seed.lines()
                .filter(|l| l.starts_with("--- "))
                .map(|l| format!("{l}\n"))
                .collect::<String>()
        };
        let diff = TextDiff {
            path: self.path.clone(),
            before: kept.map(|k| names(&k)).unwrap_or_default(),
            after: names(&desired),
        };
        let verb = if iso.is_some() { "rebuild" } else { "build" };
        let change = Change { summary: format!("{verb} {}", self.path), diff: Some(diff) };
        Ok(Check::Change(change, documents))
    }

    async fn apply(
        &self,
        documents: Self::Plan,
        host: &HostWriter<'_>,
    ) -> Result<Outcome, ModuleError> {
        let made = host.run(Command::argv(["mktemp", "-d"])).await?;
        let dir = String::from_utf8_lossy(&made.stdout).trim().to_string();
        if made.rc != 0 || dir.is_empty() {
            return Err(ModuleError::failed("mktemp -d failed on the target"));
        }
        let result = self.build(host, &dir, &documents).await;
        host.run(Command::argv(["rm", "-rf", "--", dir.as_str()])).await?;
        result?;
        host.write(&self.seed_file(), CloudInitIso::seed(&documents).as_bytes(), SECRET).await?;
        Ok(Outcome::default())
    }
}

impl CloudInitIso {
    /// The ISO is made beside its final path and renamed there: a failed build leaves no
    /// half-written seed.
    async fn build(
        &self,
        host: &HostWriter<'_>,
        dir: &str,
        documents: &[(&'static str, String)],
    ) -> Result<(), ModuleError> {
        let seed = format!("{dir}/seed");
        host.mkdir(&seed, Attrs { mode: Some(0o700), ..SECRET }).await?;
        for (name, text) in documents {
            host.write(&format!("{seed}/{name}"), text.as_bytes(), SECRET).await?;
        }
        let partial = format!("{}.numarun-partial", self.path);
        let argv = [
            "xorriso", "-as", "mkisofs", "-quiet", "-output", &partial, "-volid", "cidata",
            "-joliet", "-rock", &seed,
        ];
        let built = host.run(Command::argv(argv)).await?;
        if built.rc != 0 {
            host.remove(&partial).await?;
            return Err(ModuleError::failed(format!("xorriso: {}", built.stderr_text())));
        }
        let placed = host
            .run(change_scripts::PRIVATE_RENAME.command([partial.as_str(), self.path.as_str()]))
            .await?;
        if placed.rc != 0 {
            return Err(ModuleError::failed(format!(
                "cannot place {}: {}",
                self.path,
                placed.stderr_text()
            )));
        }
        Ok(())
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Writes a VM's cloud-init seed (NoCloud ISO): hostname, users, packages, network.",
    check_mode: CheckMode::Predicts,
    diff: true,
    returns: &[],
    example: "- cloud_init_iso: { path: /var/lib/libvirt/images/vm1-seed.iso, hostname: vm1, users: [{ username: admin, ssh_authorized_keys: [] }] }",
};
