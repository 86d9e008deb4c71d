//! A run: phases in order; in a phase, its hosts batch by batch (`serial`; one batch without),
//! a batch's hosts concurrently up to `--forks`, each host's steps in order, then the handlers
//! its changes notified.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use futures_util::future::join_all;
use tokio::sync::Semaphore;
use tracing::Instrument;

use super::host::HostState;
use super::host_play;
use super::play_control::PlayControl;
use super::shared::Engine;
use super::summary::Summary;
use crate::events::{Event, HostRecap};
use crate::schedule::ScheduledPlay;

impl Engine {
    /// Runs the scheduled phases and says how the run ended.
    pub async fn run(&self, playbook: &str, plans: &[ScheduledPlay<'_>]) -> Summary {
        let span = tracing::info_span!(
            "run",
            playbook,
            check = self.options.check,
            forks = self.options.forks
        );
        self.run_phases(playbook, plans).instrument(span).await
    }

    async fn run_phases(&self, playbook: &str, plans: &[ScheduledPlay<'_>]) -> Summary {
        let started = Instant::now();
        self.bus.emit(Event::RunStart {
            playbook: playbook.to_string(),
            check_mode: self.options.check,
        });
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
        // A batch's failures past the play's limit stop the run (`max_fail_percentage`,
        // `any_errors_fatal`): no later batch or phase starts.
        let mut stopped = false;
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
            let active: Vec<String> =
                plan.hosts.iter().filter(|h| hosts[*h].is_active()).cloned().collect();
            let so_far: Vec<HostRecap> = order.iter().map(|h| hosts[h].recap.clone()).collect();
            *self.recap_so_far.lock().expect("recap lock") =
                minijinja::Value::from(minijinja::value::Serde(&so_far));
            self.bus
                .emit(Event::PhaseStart { phase: plan.phase.name.clone(), hosts: active.clone() });
            if plan.steps.is_empty() {
                continue;
            }
            let phase_layer = Arc::new(plan.phase.vars.clone());
            let phase_span =
                tracing::info_span!("phase", phase = %plan.phase.name, hosts = active.len());
            let rollout = &plan.phase.rollout;
            for batch in rollout.batches(&active) {
                if self.is_interrupted() {
                    break;
                }
                let control = PlayControl::new(&batch);
                let runs = batch.iter().map(|name| {
                    let host_span = tracing::info_span!(parent: &phase_span, "host", host = %name);
                    let mut state = hosts.remove(name).expect("host state");
                    let forks = &forks;
                    let phase_layer = Arc::clone(&phase_layer);
                    let play_hosts = &active;
                    let done = last_phase.get(name.as_str()) == Some(&index);
                    let control = &control;
                    async move {
                        let _permit = forks.acquire().await.expect("semaphore open");
                        host_play::run(self, &mut state, plan, phase_layer, play_hosts, control)
                            .await;
                        control.leave(&state.name);
                        if done {
                            state.target = None;
                        }
                        state
                    }
                    .instrument(host_span)
                });
                for state in join_all(runs).await {
                    hosts.insert(state.name.clone(), state);
                }
                let failed: Vec<&str> =
                    batch.iter().filter(|h| !hosts[*h].is_active()).map(String::as_str).collect();
                if rollout.stops_after(failed.len(), batch.len()) {
                    let why = match rollout.any_errors_fatal {
                        true => "any_errors_fatal".to_string(),
                        false => format!(
                            "max_fail_percentage {}",
                            rollout.max_fail_percentage.unwrap_or_default()
                        ),
                    };
                    let message = format!(
                        "{} of {} hosts of the batch failed ({why}): the run stops here",
                        failed.len(),
                        batch.len()
                    );
                    self.bus.emit(Event::Warning { host: failed.join(","), message });
                    stopped = true;
                    break;
                }
            }
            if stopped {
                break;
            }
        }
        let recap: Vec<HostRecap> = order.iter().map(|h| hosts[h].recap.clone()).collect();
        let interrupted = self.is_interrupted();
        self.bus.emit(Event::RunEnd {
            recap: recap.clone(),
            elapsed_ms: started.elapsed().as_millis() as u64,
            interrupted,
        });
        Summary { recap, interrupted }
    }
}
