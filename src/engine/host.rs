//! One host's run of one phase: connect once, steps in order, then the
//! handlers its changes notified.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use super::play_control::PlayControl;
use super::shared::Engine;
use crate::connection::{
    Connection, ConnectionError, Local, Policy, SshConnection, SshSession, SshSettings,
};
use crate::events::{Event, HostRecap, Status, StepReport};
use crate::model::{Play, Task};
use crate::schedule::ResolvedTask;
use crate::template::Scope;
use crate::vars::VarMap;

/// What a host carries from phase to phase.
pub struct HostState {
    pub name: String,
    pub target: Option<Arc<dyn Connection>>,
    /// `set_fact` and `register` results.
    pub facts: Arc<VarMap>,
    pub recap: HostRecap,
    pub failed: bool,
    pub unreachable: bool,
    /// The last step that failed here, for a block's `rescue`: `ansible_failed_task` and
    /// `ansible_failed_result`.
    pub last_failure: Option<Failure>,
    /// `setup` ran here: a later play's own gathering is skipped (Ansible's smart gathering).
    pub facts_gathered: bool,
    /// `meta: end_host` ended the phase for this host (which is not failed).
    pub ended: bool,
    /// What this host's `include_role`s left in the phase.
    pub included_roles: IncludedRoles,
}

/// What a host's `include_role`s leave in a phase: the roles run (each runs once), and the
/// defaults and vars of those included with `public: true`, seen by the host's later steps.
#[derive(Debug, Clone, Default)]
pub struct IncludedRoles {
    pub seen: Vec<String>,
    pub defaults: Arc<VarMap>,
    pub vars: Arc<VarMap>,
}

/// A step that failed on a host: what a block's `rescue` is told of it.
#[derive(Clone)]
pub struct Failure {
    pub task: minijinja::Value,
    pub result: minijinja::Value,
}

impl HostState {
    pub fn new(name: &str) -> HostState {
        HostState {
            name: name.to_string(),
            target: None,
            facts: Arc::new(VarMap::default()),
            recap: HostRecap { host: name.to_string(), ..HostRecap::default() },
            failed: false,
            unreachable: false,
            last_failure: None,
            facts_gathered: false,
            ended: false,
            included_roles: IncludedRoles::default(),
        }
    }

    /// A failed or unreachable host sits out the rest of the run, as in Ansible.
    pub fn is_active(&self) -> bool {
        !self.failed && !self.unreachable
    }
}

/// Everything a step needs that is the same for the whole phase on this host.
pub struct HostPlay<'a> {
    pub engine: &'a Engine,
    pub phase: &'a Play,
    pub phase_layer: Arc<VarMap>,
    pub magic: Arc<VarMap>,
    pub search_dirs: Vec<PathBuf>,
    /// The phase's handlers, for those the host's changes notify.
    pub handlers: &'a [ResolvedTask<'a>],
    /// What the phase's hosts share.
    pub control: &'a PlayControl,
}

impl HostPlay<'_> {
    /// The host's variables for a step (or for none), lowest precedence first: a role's
    /// defaults below the inventory, its vars above the phase's, as in Ansible.
    pub fn scope(&self, state: &HostState, step: Option<&Task>) -> Arc<Scope> {
        let role = step.and_then(|s| s.role.as_deref());
        // A phase without roles has no layers for them: its steps look up no more than before.
        let of_roles = |vars: &Arc<VarMap>| (!vars.is_empty()).then(|| Arc::clone(vars));
        let mut layers: Vec<Arc<VarMap>> =
            of_roles(&self.phase.under_inventory).into_iter().collect();
        layers.extend(of_roles(&state.included_roles.defaults));
        layers.extend(role.map(|r| Arc::clone(&r.defaults)));
        layers.extend(self.engine.layers.inventory(&state.name).iter().cloned());
        layers.push(Arc::clone(&self.phase_layer));
        layers.extend(of_roles(&self.phase.role_vars));
        layers.extend(of_roles(&state.included_roles.vars));
        layers.extend(role.map(|r| Arc::clone(&r.vars)));
        if let Some(step) = step.filter(|s| !s.vars.is_empty()) {
            layers.push(Arc::new(step.vars.clone()));
        }
        layers.push(Arc::clone(&state.facts));
        layers.push(Arc::clone(&self.magic));
        layers.push(Arc::clone(self.engine.layers.extra()));
        Scope::new(Arc::clone(&self.engine.templater), layers)
    }

    /// The report of a step the engine runs itself (`meta`, `include_tasks`): no item, no diff.
    pub fn report(
        &self,
        host: &str,
        step: &Task,
        status: Status,
        message: Option<String>,
        started: Instant,
    ) -> StepReport {
        StepReport {
            host: host.to_string(),
            phase: self.phase.name.clone(),
            step: step.title(),
            item: None,
            status,
            message,
            diff: None,
            handler: false,
            looped: false,
            check_mode: step.check_mode.unwrap_or(self.engine.options.check),
            duration_ms: started.elapsed().as_millis() as u64,
        }
    }

    /// Folders a step's relative `src:` is looked for in: its role's first, then the phase's.
    pub fn search_dirs(&self, step: &Task) -> Vec<PathBuf> {
        let role = step.role.as_ref().map(|r| r.dir.clone());
        role.into_iter().chain(self.search_dirs.iter().cloned()).collect()
    }

    /// Opens the host's connection, as its `ansible_connection` says.
    pub(super) async fn connect(
        &self,
        state: &HostState,
    ) -> Result<Arc<dyn Connection>, ConnectionError> {
        let scope = self.scope(state, None);
        let variable_error = |e: crate::diag::Diag| {
            ConnectionError::Unreachable(format!("connection settings: {e}"))
        };
        let connection =
            scope.get("ansible_connection").map_err(variable_error)?.map(|v| v.to_string());
        match connection.as_deref() {
            Some("local") => return Ok(Arc::new(Local::default())),
            None if state.name == "localhost" => return Ok(Arc::new(Local::default())),
            None | Some("ssh") => {}
            Some(other) => {
                return Err(ConnectionError::Unreachable(format!(
                    "unknown connection type `{other}` (local, ssh)"
                )));
            }
        }
        // Read before the connection is awaited: the lookup's cell must not live across it.
        let settings = {
            let failure = std::cell::RefCell::new(None);
            let lookup = |name: &str| match scope.get(name) {
                Ok(value) => value
                    .filter(|v| !v.is_none())
                    .map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())),
                Err(e) => {
                    failure.borrow_mut().get_or_insert(e);
                    None
                }
            };
            let settings = SshSettings::from_vars(&state.name, &lookup)
                .map_err(|e| ConnectionError::Unreachable(e.to_string()));
            if let Some(e) = failure.take() {
                return Err(variable_error(e));
            }
            settings
        };
        let mut settings = settings?;
        settings.become_password =
            settings.become_password.or_else(|| self.engine.options.become_password.clone());
        if settings.ssh_target.policy == Policy::Insecure {
            let message = "host key checking is OFF (ansible_host_key_checking: false): this connection's identity is not verified";
            self.engine
                .bus
                .emit(Event::Warning { host: state.name.clone(), message: message.into() });
        }
        if let Some(password) = &settings.become_password {
            self.engine.bus.redactor.add(password);
        }
        Ok(Arc::new(SshConnection::new(SshSession::open(settings).await?)))
    }
}
