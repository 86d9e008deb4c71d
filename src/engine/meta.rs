//! `meta` steps: actions on the run, not on the host. Like ansible-core, they count nowhere in
//! the recap; `when` holds them back as it does any step. A play ended (`end_play`,
//! `end_host`) runs no handlers.

use std::sync::Arc;
use std::time::Instant;

use super::handlers;
use super::host::{HostPlay, HostState};
use crate::events::{Event, Status};
use crate::modules::ansible::meta::{Meta, MetaAction};
use crate::schedule::ResolvedTask;

/// Runs a `meta` step on one host.
pub async fn run(
    cx: &HostPlay<'_>,
    state: &mut HostState,
    task: &ResolvedTask<'_>,
    notified: &mut Vec<String>,
) {
    let step = task.step;
    let scope = cx.scope(state, Some(step));
    let mut holds = Ok(true);
    for condition in &step.when {
        holds = holds.and_then(|h| Ok(h && scope.condition(condition)?));
    }
    let action = crate::yaml::decode::<Meta>(&task.args).map(|m| m.free_form);
    let started = Instant::now();
    let said = |status, message: Option<String>| {
        let report = cx.report(&state.name, step, status, message, started);
        cx.engine.bus.emit(Event::StepResult(report))
    };
    let action = match (holds, action) {
        (Err(diag), _) | (_, Err(diag)) => {
            // A condition that cannot be read fails the host, as it would any step.
            state.recap.count(Status::Failed);
            state.failed = true;
            return said(Status::Failed, Some(diag.to_string()));
        }
        (Ok(false), _) => return said(Status::Skipped, None),
        (Ok(true), Ok(action)) => action,
    };
    match action {
        MetaAction::FlushHandlers => handlers::run_notified(cx, state, notified).await,
        MetaAction::Noop | MetaAction::RefreshInventory => {}
        // Each host runs its steps on its own, so the play ends for each where it reaches the
        // step; ansible-core, stepping all hosts together, ends it for all when one reaches it.
        MetaAction::EndPlay | MetaAction::EndBatch | MetaAction::EndHost => state.ended = true,
        MetaAction::ClearFacts => {
            let facts = Arc::make_mut(&mut state.facts);
            facts.0.retain(|name, _| !name.starts_with("ansible_"));
            state.facts_gathered = false;
            cx.engine.hostvars.publish(&state.name, &state.facts);
        }
    }
}
