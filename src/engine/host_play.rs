//! One host's run of one phase: connect once, steps in order, then the handlers its changes
//! notified.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::host::{HostPlay, HostState, IncludedRoles};
use super::play_control::PlayControl;
use super::shared::Engine;
use super::{blocks, handlers};
use crate::connection::{Connection, ConnectionError};
use crate::events::Event;
use crate::model::Play;
use crate::schedule::ScheduledPlay;
use crate::vars::VarMap;

/// Folders a relative `src:` is searched in: the phase file's, the playbook's, the project's.
fn search_dirs(phase: &Play, playbook_dir: &std::path::Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    let candidates = [Some(phase.dir.as_path()), Some(playbook_dir), playbook_dir.parent()];
    // Absolute, so that one folder named two ways (`` and the playbook's) is searched once.
    for dir in candidates.into_iter().flatten() {
        let dir = if dir.as_os_str().is_empty() { std::path::Path::new(".") } else { dir };
        let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    dirs
}

/// Runs the phase's steps, then its notified handlers, on one host.
pub async fn run(
    engine: &Engine,
    state: &mut HostState,
    plan: &ScheduledPlay<'_>,
    phase_layer: Arc<VarMap>,
    play_hosts: &[String],
    control: &PlayControl,
) {
    let hostvars = minijinja::Value::from_dyn_object(Arc::clone(&engine.hostvars));
    let mut magic = engine.layers.magic(&state.name, play_hosts, &engine.options, &hostvars);
    let recap = engine.recap_so_far.lock().expect("recap lock").clone();
    magic.insert_value("numarun_recap", recap);
    let magic = Arc::new(magic);
    let cx = HostPlay {
        engine,
        phase: plan.phase,
        phase_layer,
        magic,
        search_dirs: search_dirs(plan.phase, &engine.options.playbook_dir),
        handlers: &plan.handlers,
        control,
    };
    if state.target.is_none() {
        match connect(&cx, state, plan).await {
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
    if let Some(given) = engine.hostvars.take_given(&state.name) {
        Arc::make_mut(&mut state.facts).extend(given);
        engine.hostvars.publish(&state.name, &state.facts);
    }
    state.included_roles =
        IncludedRoles { seen: plan.phase.roles_seen.clone(), ..IncludedRoles::default() };
    super::execute::announce(&cx, state, &plan.steps);
    let mut notified: Vec<String> = Vec::new();
    let items = blocks::tree(&plan.steps);
    let mut progress = blocks::Progress { done: 0, total: plan.steps.len(), includes: 0 };
    blocks::run(&cx, state, &items, &mut progress, &mut notified).await;
    if !state.is_active() && plan.phase.rollout.any_errors_fatal {
        control.end();
    }
    // `force_handlers`: a failed host (not an unreachable one) still runs what it notified,
    // and stays failed.
    let forced = state.failed
        && !state.unreachable
        && plan.phase.force_handlers.unwrap_or(engine.options.force_handlers);
    if (state.is_active() || forced) && !control.is_ended() && !state.ended {
        let failed = std::mem::replace(&mut state.failed, false);
        handlers::run_notified(&cx, state, &mut notified).await;
        state.failed |= failed;
    }
    state.ended = false;
}

/// Opens the host's connection. When the play begins with a step that waits for the host
/// (`wait_for_connection`: a VM still booting), a host that cannot be reached yet is tried again
/// every second for as long as that step would wait (`Module::connection_patience`).
async fn connect(
    cx: &HostPlay<'_>,
    state: &HostState,
    plan: &ScheduledPlay<'_>,
) -> Result<Arc<dyn Connection>, ConnectionError> {
    let patience = plan
        .steps
        .first()
        .and_then(|t| t.module.module().and_then(|m| (m.connection_patience)(&t.args)));
    let began = Instant::now();
    loop {
        match cx.connect(state).await {
            Ok(target) => return Ok(target),
            Err(error) => match patience {
                Some(patience) if began.elapsed() < patience => {
                    tracing::debug!(%error, "not reachable yet: waiting for the connection");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                _ => return Err(error),
            },
        }
    }
}
