//! A `run_once` step: the batch's first host still in the phase runs it; every other host takes
//! its registered result and facts without running it, and counts nothing, as in ansible-core.

use super::host::{HostPlay, HostState};
use super::play_control::OnceTurn;
use super::step;
use crate::schedule::ResolvedTask;

/// Runs, or takes, a `run_once` step on one host; the handlers it notifies.
pub async fn run(
    cx: &HostPlay<'_>,
    state: &mut HostState,
    task: &ResolvedTask<'_>,
    place: (usize, usize),
) -> Vec<String> {
    // Where it is written: an included file's step is the same step on every host.
    let span = &task.step.span;
    let key = format!("{}:{}", span.source.name, span.start);
    match cx.control.once(&key, &state.name).await {
        OnceTurn::Run => {
            let (notified, left) = step::run_leaving(cx, state, task, false, place).await;
            cx.control.left(&key, left);
            notified
        }
        OnceTurn::Take(left) => {
            step::take_shared_result(cx, state, task.step, &left);
            Vec::new()
        }
    }
}
