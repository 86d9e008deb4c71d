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
use crate::events::TextDiff;
use crate::modules::contract::{Change, Check, Module, Outcome};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::numa::plan::UserConfig;
use crate::template::to_yaml;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudInitIso {
    path: String,
    hostname: String,
    /// The plan's `user_configs`: each gets sudo and its authorized keys.
    #[serde(default)]
    users: Vec<UserConfig>,
    /// `{ed25519: {private: ..., public: ...}}`: the VM's SSH host keys.
    host_keys: Option<Value>,
    /// A network-config document (netplan version 2). Without one, cloud-init's fallback
    /// applies: DHCP on the first NIC, whatever the guest names it.
    network_config: Option<Value>,
}

const SECRET: Attrs = Attrs { mode: Some(0o600), uid: None, gid: None, owner_best_effort: false };

impl CloudInitIso {
    fn documents(&self) -> Vec<(&'static str, String)> {
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
        if let Some(keys) = &self.host_keys {
            let keys: serde_json::Value = serde_json::to_value(keys).unwrap_or_default();
            let mut ssh_keys = serde_json::Map::new();
            for (kind, pair) in keys.as_object().into_iter().flatten() {
                for part in ["private", "public"] {
                    if let Some(text) = pair.get(part).and_then(|v| v.as_str()) {
                        ssh_keys.insert(format!("{kind}_{part}"), text.into());
                    }
                }
            }
            config["ssh_keys"] = ssh_keys.into();
            config["ssh_deletekeys"] = true.into();
        }
        let yaml = |json: serde_json::Value| to_yaml(&json);
        let mut documents = vec![
            ("user-data", format!("#cloud-config\n{}", yaml(config))),
            ("meta-data", format!("instance-id: {0}\nlocal-hostname: {0}\n", self.hostname)),
        ];
        if let Some(network) = &self.network_config {
            documents
                .push(("network-config", yaml(serde_json::to_value(network).unwrap_or_default())));
        }
        documents
    }

    fn seed_file(&self) -> String {
        format!("{}.numarun-seed", self.path)
    }

    /// The documents as kept beside the ISO: each under a header naming it.
    fn seed(&self) -> String {
        self.documents().iter().map(|(name, text)| format!("--- {name}\n{text}")).collect()
    }
}

#[async_trait]
impl Module for CloudInitIso {
    type Plan = ();

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Self::Plan>, ModuleError> {
        let desired = self.seed();
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
        Ok(Check::Change(Change { summary: format!("{verb} {}", self.path), diff: Some(diff) }, ()))
    }

    async fn apply(
        &self,
        _plan: Self::Plan,
        host: &HostWriter<'_>,
    ) -> Result<Outcome, ModuleError> {
        let made = host.run(Command::argv(["mktemp", "-d"])).await?;
        let dir = String::from_utf8_lossy(&made.stdout).trim().to_string();
        if made.rc != 0 || dir.is_empty() {
            return Err(ModuleError::failed("mktemp -d failed on the target"));
        }
        let result = self.build(host, &dir).await;
        host.run(Command::argv(["rm", "-rf", "--", dir.as_str()])).await?;
        result?;
        host.write(&self.seed_file(), self.seed().as_bytes(), SECRET).await?;
        Ok(Outcome::default())
    }
}

impl CloudInitIso {
    /// The ISO is made beside its final path and renamed there: a failed build leaves no
    /// half-written seed.
    async fn build(&self, host: &HostWriter<'_>, dir: &str) -> Result<(), ModuleError> {
        let seed = format!("{dir}/seed");
        host.mkdir(&seed, Attrs { mode: Some(0o700), ..SECRET }).await?;
        for (name, text) in self.documents() {
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
            .run(Command::argv([
                "sh",
                "-c",
                "chmod 600 \"$1\" && mv -f \"$1\" \"$2\"",
                "sh",
                &partial,
                &self.path,
            ]))
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
