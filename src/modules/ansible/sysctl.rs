//! `sysctl`: a kernel parameter, persistent in a drop-in file under
//! /etc/sysctl.d (entry present once) and set live in /proc/sys.

use async_trait::async_trait;
use serde::Deserialize;

use crate::diag::Diag;
use crate::modules::action::Action;
use crate::modules::change_scripts;
use crate::modules::contract::{Change, Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::modules::support::attrs::FileAttrs;
use crate::modules::support::content::{self, FileWrite, WantedFile};
use crate::modules::support::lines;
use crate::modules::support::lines::Presence;
use crate::yaml::Node;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sysctl {
    #[serde(alias = "key")]
    #[schemars(extend("x-aliases" = ["key"]))]
    name: String,
    #[serde(alias = "val")]
    #[schemars(extend("x-aliases" = ["val"]))]
    value: Option<String>,
    #[serde(default)]
    state: Presence,
    #[serde(default = "default_file")]
    sysctl_file: String,
    /// Also set the running kernel's value (numarun's default; Ansible's is off).
    #[serde(default = "yes")]
    sysctl_set: bool,
    /// Accepted for Ansible playbooks; the live value is written directly.
    #[serde(default, rename = "reload")]
    _reload: bool,
}

fn default_file() -> String {
    "/etc/sysctl.d/99-numarun.conf".into()
}

fn yes() -> bool {
    true
}

/// Kernel values compare by words: `4096\t16384` is `4096 16384`.
fn normalized(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Sysctl {
    fn proc_path(&self) -> String {
        format!("/proc/sys/{}", self.name.replace('.', "/"))
    }

    fn value(&self) -> String {
        normalized(self.value.as_deref().unwrap_or_default())
    }

    /// The drop-in with this key present exactly once (or gone).
    fn edit(&self, text: &str) -> String {
        let key = |line: &str| {
            line.split_once('=').map(|(k, _)| k.trim() == self.name).unwrap_or(false)
                && !line.trim_start().starts_with(['#', ';'])
        };
        let entry = format!("{} = {}", self.name, self.value());
        let mut lines: Vec<&str> = Vec::new();
        let mut placed = false;
        for line in text.lines() {
            match key(line) {
                true if self.state == Presence::Present && !placed => {
                    lines.push(&entry);
                    placed = true;
                }
                true => {}
                false => lines.push(line),
            }
        }
        if self.state == Presence::Present && !placed {
            lines.push(&entry);
        }
        lines::rejoin(text, &lines)
    }

    async fn file_wanted(&self, host: &HostReader<'_>) -> Result<WantedFile, ModuleError> {
        content::edit(host, &self.sysctl_file, self.state == Presence::Present, true, |text| {
            Ok(self.edit(text))
        })
        .await
    }

    /// The live value when it differs from the wanted one.
    async fn live_drift(&self, host: &HostReader<'_>) -> Result<Option<String>, ModuleError> {
        if !self.sysctl_set || self.state == Presence::Absent {
            return Ok(None);
        }
        let current = host.read(&self.proc_path()).await?.ok_or_else(|| {
            ModuleError::failed(format!(
                "no kernel parameter {} ({} does not exist)",
                self.name,
                self.proc_path()
            ))
        })?;
        let current = normalized(&String::from_utf8_lossy(&current));
        Ok((current != self.value()).then_some(current))
    }
}

/// What apply does: the drop-in file as check edited it, then the live value.
#[derive(Debug)]
pub struct SysctlPlan {
    file: Option<FileWrite>,
    set_live: bool,
}

impl Action for Sysctl {
    const NAME: &'static str = "sysctl";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for Sysctl {
    type Plan = SysctlPlan;

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<SysctlPlan>, ModuleError> {
        let wanted = self.file_wanted(host).await?;
        let (file_change, file) = match content::check(host, &wanted, &FileAttrs::default()).await?
        {
            Check::Change(change, write) => (Some(change), Some(write)),
            _ => (None, None),
        };
        let live = self
            .live_drift(host)
            .await?
            .map(|current| format!("{} {current} → {}", self.name, self.value()));
        let plan = SysctlPlan { file, set_live: live.is_some() };
        Ok(match (file_change, live) {
            (None, None) => Check::Ok(Outcome::default()),
            (Some(change), None) => Check::Change(change, plan),
            (Some(change), Some(live)) => Check::Change(
                Change { summary: format!("{}; {live}", change.summary), diff: change.diff },
                plan,
            ),
            (None, Some(live)) => Check::Change(Change::new(live), plan),
        })
    }

    async fn apply(&self, plan: SysctlPlan, host: &HostWriter<'_>) -> Result<Outcome, ModuleError> {
        if let Some(write) = plan.file {
            content::write(host, write).await?;
        }
        if plan.set_live {
            // The value goes on stdin: nothing but the path reaches the argument vector.
            let mut command = change_scripts::WRITE_STDIN.command([self.proc_path()]);
            command.stdin = Some(format!("{}\n", self.value()).into_bytes());
            let output = host.run(command).await?;
            if output.rc != 0 {
                return Err(ModuleError::failed(format!(
                    "cannot set {}: {}",
                    self.name,
                    output.stderr_text()
                )));
            }
        }
        Ok(Outcome::default())
    }

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        if self.state == Presence::Present && self.value.is_none() {
            return Err(Diag::invalid(&args.span, "state: present needs `value`"));
        }
        let well_formed = !self.name.is_empty()
            && !self.name.contains("..")
            && self.name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-/".contains(&b));
        if !well_formed || self.name.starts_with(['/', '.']) {
            return Err(Diag::invalid(
                &args.span,
                format!("`{}` is not a kernel parameter name such as vm.swappiness", self.name),
            ));
        }
        Ok(())
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Sets a kernel parameter in a sysctl.d drop-in and, with `reload`, live.",
    check_mode: CheckMode::Predicts,
    diff: true,
    returns: &[],
    example: "- sysctl: { name: vm.swappiness, value: '10', sysctl_file: /etc/sysctl.d/90-app.conf }",
};
