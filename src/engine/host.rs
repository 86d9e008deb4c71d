//! One host's run of one phase: connect once, steps in order, then the
//! handlers its changes notified.

use std::path::PathBuf;
use std::sync::Arc;

use super::Engine;
use super::step;
use crate::connection::ssh::{Policy, SshConnection, SshSession, SshSettings};
use crate::connection::{Connection, ConnectionError, Local};
use crate::events::{Event, HostRecap};
use crate::model::Phase;
use crate::schedule::ScheduledPhase;
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
        }
    }

    /// A failed or unreachable host sits out the rest of the run, as in Ansible.
    pub fn is_active(&self) -> bool {
        !self.failed && !self.unreachable
    }
}

/// Everything a step needs that is the same for the whole phase on this host.
pub struct HostPhase<'a> {
    pub engine: &'a Engine,
    pub phase: &'a Phase,
    pub phase_layer: Arc<VarMap>,
    pub magic: Arc<VarMap>,
    pub search_dirs: Vec<PathBuf>,
}

impl HostPhase<'_> {
    /// The host's variables for a step, lowest precedence first.
    pub fn scope(&self, state: &HostState, step_vars: &VarMap) -> Arc<Scope> {
        let mut layers: Vec<Arc<VarMap>> = self.engine.layers.inventory(&state.name).to_vec();
        layers.push(Arc::clone(&self.phase_layer));
        if !step_vars.is_empty() {
            layers.push(Arc::new(step_vars.clone()));
        }
        layers.push(Arc::clone(&state.facts));
        layers.push(Arc::clone(&self.magic));
        layers.push(Arc::clone(self.engine.layers.extra()));
        Scope::new(Arc::clone(&self.engine.templater), layers)
    }

    /// Opens the host's connection, as its `ansible_connection` says.
    async fn connect(&self, state: &HostState) -> Result<Arc<dyn Connection>, ConnectionError> {
        let scope = self.scope(state, &VarMap::default());
        let variable_error = |e: crate::diag::Diag| ConnectionError::Unreachable(format!("connection settings: {e}"));
        let connection = scope.get("ansible_connection").map_err(variable_error)?.map(|v| v.to_string());
        match connection.as_deref() {
            Some("local") => return Ok(Arc::new(Local::default())),
            None if state.name == "localhost" => return Ok(Arc::new(Local::default())),
            None | Some("ssh") => {}
            Some(other) => return Err(ConnectionError::Unreachable(format!("unknown connection type `{other}` (local, ssh)"))),
        }
        let failure = std::cell::RefCell::new(None);
        let lookup = |name: &str| match scope.get(name) {
            Ok(value) => value.filter(|v| !v.is_none()).map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())),
            Err(e) => {
                failure.borrow_mut().get_or_insert(e);
                None
            }
        };
        let settings = SshSettings::from_vars(&state.name, &lookup).map_err(ConnectionError::Unreachable);
        if let Some(e) = failure.take() {
            return Err(variable_error(e));
        }
        let mut settings = settings?;
        settings.become_password = settings.become_password.or_else(|| self.engine.options.become_password.clone());
        if settings.reach.policy == Policy::Insecure {
            let message = "host key checking is OFF (ansible_host_key_checking: false): this connection's identity is not verified";
            self.engine.bus.emit(Event::Warning { host: state.name.clone(), message: message.into() });
        }
        if let Some(password) = &settings.become_password {
            self.engine.bus.redactor.add(password);
        }
        Ok(Arc::new(SshConnection::new(SshSession::open(settings).await?)))
    }
}

/// Folders a relative `src:` is searched in: the phase file's, the playbook's, the project's.
fn search_dirs(phase: &Phase, playbook_dir: &std::path::Path) -> Vec<PathBuf> {
    let mut dirs = vec![phase.dir.clone(), playbook_dir.to_path_buf()];
    dirs.extend(playbook_dir.parent().map(std::path::Path::to_path_buf));
    dirs.dedup();
    dirs
}

pub async fn run_phase(engine: &Engine, state: &mut HostState, plan: &ScheduledPhase<'_>, phase_layer: Arc<VarMap>, play_hosts: &[String]) {
    let hostvars = minijinja::Value::from_dyn_object(Arc::clone(&engine.hostvars));
    let magic = Arc::new(engine.layers.magic(&state.name, play_hosts, &engine.options, &hostvars));
    let cx =
        HostPhase { engine, phase: plan.phase, phase_layer, magic, search_dirs: search_dirs(plan.phase, &engine.options.playbook_dir) };
    if state.target.is_none() {
        match cx.connect(state).await {
            Ok(target) => state.target = Some(target),
            Err(e) => {
                state.unreachable = true;
                state.recap.unreachable += 1;
                engine.bus.emit(Event::HostUnreachable {
                    host: state.name.clone(),
                    phase: plan.phase.name.clone(),
                    message: e.to_string(),
                });
                return;
            }
        }
    }
    step::announce(&cx, state, &plan.steps);
    let mut notified: Vec<String> = Vec::new();
    let total = plan.steps.len();
    for (index, step) in plan.steps.iter().enumerate() {
        if engine.is_interrupted() {
            break;
        }
        notified.extend(step::run(&cx, state, step, false, (index + 1, total)).await);
        if !state.is_active() {
            return;
        }
    }
    let handlers: Vec<_> =
        plan.phase.handlers.iter().filter(|h| notified.iter().any(|n| h.name.as_deref() == Some(n) || h.listen.contains(n))).collect();
    if engine.is_interrupted() {
        // Said, not run: a change whose handler never ran will not notify it again next time.
        if !handlers.is_empty() {
            let names: Vec<String> = handlers.iter().map(|h| h.title()).collect();
            let message = format!("interrupted before its notified handlers ran: {}; run them by hand", names.join(", "));
            engine.bus.emit(Event::Warning { host: state.name.clone(), message });
        }
        return;
    }
    for (index, handler) in handlers.iter().enumerate() {
        step::run(&cx, state, handler, true, (index + 1, handlers.len())).await;
        if !state.is_active() {
            return;
        }
    }
}
