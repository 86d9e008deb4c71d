//! `hostname`: the machine's name, as ansible-core sets it on Debian and Ubuntu. Where systemd
//! runs (its `/run/systemd/system`), the static name (`/etc/hostname`) and the kernel's
//! (transient) name are both set, through `hostnamectl` so that systemd-hostnamed and whatever
//! listens to it know; elsewhere only `/etc/hostname` is written, as ansible-core's Debian
//! strategy does. Both names are read from files, not from `hostnamectl`.

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use crate::connection::{Command, PlannedRead};
use crate::diag::Diag;
use crate::events::TextDiff;
use crate::modules::action::Action;
use crate::modules::contract::{Change, Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::yaml::Node;

const STATIC_NAME: &str = "/etc/hostname";
const KERNEL_NAME: &str = "/proc/sys/kernel/hostname";
const SYSTEMD_RUNNING: &str = "/run/systemd/system";

/// How the name is kept (`use`); ansible-core's other platforms' strategies are refused.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Strategy {
    /// hostnamectl (ansible-core's `debian` means this too).
    #[serde(alias = "debian")]
    #[schemars(extend("x-aliases" = ["debian"]))]
    Systemd,
    /// `/etc/hostname` only.
    #[serde(rename = "generic")]
    File,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Hostname {
    name: String,
    #[serde(rename = "use")]
    strategy: Option<Strategy>,
}

/// What apply sets: the static name, the kernel's, or both.
#[derive(Debug)]
pub struct HostnamePlan {
    strategy: Strategy,
    set_static: bool,
    set_kernel: bool,
}

/// `/etc/hostname`'s name: its first line that is not a comment, as systemd reads it.
fn static_name(file: Option<Vec<u8>>) -> String {
    let text = String::from_utf8_lossy(&file.unwrap_or_default()).to_string();
    text.lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with('#'))
        .unwrap_or_default()
        .to_string()
}

impl Hostname {
    /// The facts ansible-core reports, so later steps see the new name.
    fn outcome(&self) -> Outcome {
        let short = self.name.split('.').next().unwrap_or_default();
        Outcome {
            data: vec![("name".into(), Value::from(self.name.clone()))],
            facts: vec![
                ("ansible_hostname".into(), Value::from(short)),
                ("ansible_nodename".into(), Value::from(self.name.clone())),
            ],
            ..Outcome::default()
        }
    }
}

impl Action for Hostname {
    const NAME: &'static str = "hostname";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for Hostname {
    type Plan = HostnamePlan;

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<HostnamePlan>, ModuleError> {
        let strategy = match self.strategy {
            Some(strategy) => strategy,
            None if host.stat(SYSTEMD_RUNNING).await?.is_some() => Strategy::Systemd,
            None => Strategy::File,
        };
        let permanent = static_name(host.read(STATIC_NAME).await?);
        let kernel = static_name(host.read(KERNEL_NAME).await?);
        let plan = HostnamePlan {
            strategy,
            set_static: permanent != self.name,
            set_kernel: strategy == Strategy::Systemd && kernel != self.name,
        };
        if !plan.set_static && !plan.set_kernel {
            return Ok(Check::Ok(self.outcome()));
        }
        // ansible-core's diff: the name before is the kernel's when that differs, else the file's.
        let before =
            if strategy == Strategy::Systemd && kernel != self.name { kernel } else { permanent };
        let change = Change {
            summary: format!("hostname {before} → {}", self.name),
            diff: Some(TextDiff {
                path: "hostname".into(),
                before: format!("hostname = {before}\n"),
                after: format!("hostname = {}\n", self.name),
            }),
        };
        Ok(Check::Change(change, plan))
    }

    async fn apply(
        &self,
        plan: HostnamePlan,
        host: &HostWriter<'_>,
    ) -> Result<Outcome, ModuleError> {
        let name = self.name.as_str();
        match plan.strategy {
            Strategy::File => {
                let attrs = crate::connection::Attrs { mode: Some(0o644), ..Default::default() };
                host.write(STATIC_NAME, format!("{name}\n").as_bytes(), attrs).await?;
            }
            Strategy::Systemd => {
                // The static name first, as ansible-core does: NetworkManager objects otherwise.
                if plan.set_static {
                    let argv = ["hostnamectl", "--pretty", "--static", "set-hostname", name];
                    host.run_ok(Command::argv(argv), "hostnamectl set-hostname").await?;
                }
                if plan.set_kernel {
                    let argv = ["hostnamectl", "--transient", "set-hostname", name];
                    host.run_ok(Command::argv(argv), "hostnamectl set-hostname").await?;
                }
            }
        }
        Ok(self.outcome())
    }

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        let label_ok = |label: &str| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        if self.name.len() > 64 || !self.name.split('.').all(label_ok) {
            return Err(Diag::invalid(
                &args.span,
                format!(
                    "`{}` is not a host name (letters, digits, `-` and `.`, 64 at most)",
                    self.name
                ),
            ));
        }
        Ok(())
    }

    fn planned_reads(&self) -> Vec<PlannedRead> {
        [STATIC_NAME, KERNEL_NAME]
            .iter()
            .map(|path| PlannedRead { path: path.to_string(), content: true })
            .collect()
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Sets the host's name: its file and the running kernel's (systemd or Debian).",
    check_mode: CheckMode::Predicts,
    diff: true,
    returns: &[
        ("name", "the name set"),
        ("ansible_facts", "ansible_hostname and ansible_nodename, updated"),
    ],
    example: "- hostname: { name: web1.example.net }",
};
