//! `service` (also `systemd`, `systemd_service`): a systemd unit started or stopped, enabled or
//! not. A unit file changed on disk since systemd read it counts as a change (daemon-reload), so
//! a rewritten unit is never left half-applied. `restarted` always changes, as in Ansible; it is
//! what handlers use.

use async_trait::async_trait;
use serde::Deserialize;

use crate::connection::Command;
use crate::diag::Diag;
use crate::modules::action::Action;
use crate::modules::contract::{Change, Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::modules::probe::{Probe, ReadOnlyProgram};
use crate::yaml::Node;

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum State {
    Started,
    Stopped,
    Restarted,
    Reloaded,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Service {
    #[serde(alias = "unit")]
    #[schemars(extend("x-aliases" = ["unit"]))]
    name: String,
    state: Option<State>,
    enabled: Option<bool>,
    /// Reload systemd's view of unit files when one changed on disk.
    #[serde(default, alias = "daemon-reload")]
    #[schemars(extend("x-aliases" = ["daemon-reload"]))]
    daemon_reload: bool,
    /// For init scripts without a status (a `ps` line to look for) and ones that stop late (a
    /// pause inside a restart): systemd knows its units' state and waits for a stop, so
    /// ansible-core ignores both under systemd, and so does numarun.
    #[serde(default, rename = "pattern")]
    _pattern: Option<String>,
    #[serde(default, rename = "sleep")]
    _sleep: Option<u64>,
}

/// What systemd says of the unit now.
struct Unit {
    /// A unit not found may still be written by an earlier step (check mode predicts).
    found: bool,
    active: bool,
    enabled: bool,
    stale: bool,
}

impl Service {
    async fn systemctl_show(
        &self,
        host: &HostReader<'_>,
        args: &[&str],
    ) -> Result<String, ModuleError> {
        let output = host
            .probe(Probe::program(ReadOnlyProgram::SystemctlShow, args.iter().copied()))
            .await?;
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
    }

    async fn unit(&self, host: &HostReader<'_>) -> Result<Unit, ModuleError> {
        let shown = self
            .systemctl_show(
                host,
                &[
                    "--property=ActiveState,UnitFileState,NeedDaemonReload,LoadState",
                    "--",
                    &self.name,
                ],
            )
            .await?;
        let property = |key: &str| {
            shown
                .lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
                .unwrap_or_default()
                .to_string()
        };
        Ok(Unit {
            found: property("LoadState") != "not-found",
            active: matches!(
                property("ActiveState").as_str(),
                "active" | "activating" | "reloading"
            ),
            enabled: matches!(
                property("UnitFileState").as_str(),
                "enabled" | "enabled-runtime" | "alias"
            ),
            stale: property("NeedDaemonReload") == "yes",
        })
    }

    /// The systemctl verbs to run, in order.
    fn actions(&self, unit: &Unit) -> Vec<&'static str> {
        let mut actions = Vec::new();
        if unit.stale && self.daemon_reload {
            actions.push("daemon-reload");
        }
        match self.enabled {
            Some(true) if !unit.enabled => actions.push("enable"),
            Some(false) if unit.enabled => actions.push("disable"),
            _ => {}
        }
        match self.state {
            Some(State::Started) if !unit.active => actions.push("start"),
            Some(State::Stopped) if unit.active => actions.push("stop"),
            Some(State::Restarted) => actions.push("restart"),
            Some(State::Reloaded) => actions.push("reload-or-restart"),
            _ => {}
        }
        actions
    }
}

/// What apply does: the systemctl verbs check chose, for a unit check found or not.
#[derive(Debug)]
pub struct ServicePlan {
    unit_found: bool,
    actions: Vec<&'static str>,
}

impl Action for Service {
    const NAME: &'static str = "service";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for Service {
    type Plan = ServicePlan;

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<ServicePlan>, ModuleError> {
        let unit = self.unit(host).await?;
        let actions = self.actions(&unit);
        let change = Change::new(format!("{}: {}", self.name, actions.join(", ")));
        let plan = ServicePlan { unit_found: unit.found, actions };
        Ok(match self.state {
            _ if plan.actions.is_empty() => Check::Ok(Outcome::default()),
            Some(State::Restarted | State::Reloaded) => Check::Always(change, plan),
            _ => Check::Change(change, plan),
        })
    }

    async fn apply(
        &self,
        plan: ServicePlan,
        host: &HostWriter<'_>,
    ) -> Result<Outcome, ModuleError> {
        // A unit a dry run could not find (an earlier step writes it) must exist by now.
        let needs_unit =
            self.state.is_some_and(|s| s != State::Stopped) || self.enabled == Some(true);
        if !plan.unit_found && needs_unit {
            return Err(ModuleError::failed(format!("systemd has no unit {}", self.name)));
        }
        for action in plan.actions {
            let argv = match action {
                "daemon-reload" => vec!["systemctl", action],
                _ => vec!["systemctl", action, "--", self.name.as_str()],
            };
            host.run_ok(Command::argv(argv), &format!("systemctl {action} {}", self.name)).await?;
        }
        Ok(Outcome::default())
    }

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        if self.state.is_none() && self.enabled.is_none() && !self.daemon_reload {
            return Err(Diag::invalid(&args.span, "say `state`, `enabled` or `daemon_reload`"));
        }
        if self.name.is_empty()
            || self.name.starts_with('-')
            || self.name.contains(char::is_whitespace)
        {
            return Err(Diag::invalid(&args.span, format!("`{}` is not a unit name", self.name)));
        }
        Ok(())
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Starts, stops, restarts or reloads a service and enables it at boot (systemd).",
    check_mode: CheckMode::Predicts,
    diff: false,
    returns: &[],
    example: "- service: { name: nginx, state: started, enabled: true }",
};
