//! Runs a plan: phases in order; in a phase, hosts concurrently up to
//! `--forks`, each host's steps in order; handlers at the end of the phase.

mod host;
mod hostvars;
mod layers;
mod step;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use futures_util::future::join_all;
use tokio::sync::Semaphore;

use crate::events::{Event, HostRecap};
use crate::model::Inventory;
use crate::schedule::ScheduledPhase;
use crate::report::Bus;
use crate::template::Templater;
use crate::vars::VarMap;

pub use host::HostState;
use hostvars::HostVars;
use layers::Layers;

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub check: bool,
    pub diff: bool,
    pub forks: usize,
    pub extra_vars: VarMap,
    pub playbook_dir: PathBuf,
    /// From `-K`: used where no `ansible_become_password` is set.
    pub become_password: Option<String>,
}

pub struct Engine {
    options: RunOptions,
    bus: Arc<Bus>,
    templater: Arc<Templater>,
    layers: Arc<Layers>,
    hostvars: Arc<HostVars>,
    interrupted: AtomicBool,
}

/// Exit code of a run stopped by SIGINT or SIGTERM (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: i32 = 130;

/// How the run ended, for the exit code.
#[derive(Debug, Default)]
pub struct Summary {
    pub recap: Vec<HostRecap>,
    pub interrupted: bool,
}

impl Summary {
    /// 0 all well, 2 a step failed, 4 a host was unreachable (as ansible-playbook), 130 interrupted.
    pub fn exit_code(&self) -> i32 {
        if self.interrupted {
            EXIT_INTERRUPTED
        } else if self.recap.iter().any(|r| r.unreachable > 0) {
            4
        } else if self.recap.iter().any(|r| r.failed > 0) {
            2
        } else {
            0
        }
    }
}

impl Engine {
    pub fn new(inventory: &Inventory, options: RunOptions, bus: Arc<Bus>) -> Engine {
        let layers = Arc::new(Layers::new(inventory, &options));
        let templater = Arc::new(Templater::with_secrets(Arc::clone(&bus.redactor)));
        let hostvars = Arc::new(HostVars::new(Arc::clone(&layers), Arc::clone(&templater)));
        Engine { options, bus, templater, layers, hostvars, interrupted: AtomicBool::new(false) }
    }

    /// Stops the run cleanly: steps running now finish, no other starts, the recap is written.
    pub fn interrupt(&self) {
        if !self.interrupted.swap(true, Ordering::SeqCst) {
            let message = "steps running now finish; no other step starts (interrupt again to stop at once)".to_string();
            self.bus.emit(Event::Interrupted { message });
        }
    }

    pub fn is_interrupted(&self) -> bool {
        self.interrupted.load(Ordering::SeqCst)
    }

    pub async fn run(&self, playbook: &str, plans: &[ScheduledPhase<'_>]) -> Summary {
        let started = Instant::now();
        self.bus.emit(Event::RunStart { playbook: playbook.to_string(), check_mode: self.options.check });
        let mut hosts: HashMap<String, HostState> = HashMap::new();
        let mut order: Vec<String> = Vec::new();
        let forks = Semaphore::new(self.options.forks.max(1));
        // The phase after which a host has nothing left to do: its connection closes there, so
        // open connections follow `--forks`, not the size of the inventory.
        let mut last_phase: HashMap<&str, usize> = HashMap::new();
        for (index, plan) in plans.iter().enumerate() {
            for host in &plan.hosts {
                last_phase.insert(host, index);
            }
        }
        for (index, plan) in plans.iter().enumerate() {
            if self.is_interrupted() {
                break;
            }
            for host in &plan.hosts {
                if !hosts.contains_key(host) {
                    hosts.insert(host.clone(), HostState::new(host));
                    order.push(host.clone());
                }
            }
            let active: Vec<String> = plan.hosts.iter().filter(|h| hosts[*h].is_active()).cloned().collect();
            self.bus.emit(Event::PhaseStart { phase: plan.phase.name.clone(), hosts: active.clone() });
            if plan.steps.is_empty() {
                continue;
            }
            let phase_layer = Arc::new(plan.phase.vars.clone());
            let runs = active.iter().map(|name| {
                let mut state = hosts.remove(name).expect("host state");
                let forks = &forks;
                let phase_layer = Arc::clone(&phase_layer);
                let play_hosts = &active;
                let done = last_phase.get(name.as_str()) == Some(&index);
                async move {
                    let _permit = forks.acquire().await.expect("semaphore open");
                    host::run_phase(self, &mut state, plan, phase_layer, play_hosts).await;
                    if done {
                        state.target = None;
                    }
                    state
                }
            });
            for state in join_all(runs).await {
                hosts.insert(state.name.clone(), state);
            }
        }
        let recap: Vec<HostRecap> = order.iter().map(|h| hosts[h].recap.clone()).collect();
        let interrupted = self.is_interrupted();
        self.bus.emit(Event::RunEnd { recap: recap.clone(), elapsed_ms: started.elapsed().as_millis() as u64, interrupted });
        Summary { recap, interrupted }
    }
}
