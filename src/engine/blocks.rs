//! A host's steps as Ansible's blocks arrange them: the model flattens blocks into steps marked
//! with their place (`BlockPlace`); here they are put back into a tree and run part by part.
//! A failure in a block's body sends the host to its `rescue` (and it is no longer failed once
//! that succeeds); its `always` runs after either, on a failed host too, which stays failed.
//! An `include_tasks` reached here brings its file's steps, run in its place as a tree of
//! their own.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tracing::Instrument;

use super::host::{HostPlay, HostState};
use super::step;
use super::{include, meta, run_once};
use crate::model::task::BlockPart;
use crate::modules::EngineAction;
use crate::schedule::ResolvedTask;

/// A step, or a block of them.
pub enum Item<'t, 'p> {
    Task(&'t ResolvedTask<'p>),
    Block { body: Vec<Item<'t, 'p>>, rescue: Vec<Item<'t, 'p>>, always: Vec<Item<'t, 'p>> },
}

/// The tree of blocks the steps were flattened from (those `--tags` left, in order).
pub fn tree<'t, 'p>(tasks: &'t [ResolvedTask<'p>]) -> Vec<Item<'t, 'p>> {
    at_depth(tasks, 0)
}

fn at_depth<'t, 'p>(tasks: &'t [ResolvedTask<'p>], depth: usize) -> Vec<Item<'t, 'p>> {
    let mut items = Vec::new();
    let mut rest = tasks;
    while let Some(first) = rest.first() {
        let Some(place) = first.step.blocks.get(depth) else {
            items.push(Item::Task(first));
            rest = &rest[1..];
            continue;
        };
        // A block's steps are written together: body, rescue, always.
        let end = rest
            .iter()
            .position(|t| t.step.blocks.get(depth).map(|p| p.id) != Some(place.id))
            .unwrap_or(rest.len());
        let (block, after) = rest.split_at(end);
        let part = |wanted: BlockPart| {
            let start = block.iter().position(|t| t.step.blocks[depth].part == wanted);
            let len = block.iter().filter(|t| t.step.blocks[depth].part == wanted).count();
            start.map_or(Vec::new(), |s| at_depth(&block[s..s + len], depth + 1))
        };
        items.push(Item::Block {
            body: part(BlockPart::Body),
            rescue: part(BlockPart::Rescue),
            always: part(BlockPart::Always),
        });
        rest = after;
    }
    items
}

/// Counts steps as they run, for the progress each announces.
pub struct Progress {
    pub done: usize,
    pub total: usize,
    /// How many `include_tasks` deep the steps running are.
    pub includes: usize,
}

type Running<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Runs the items in order on one host while it is active, collecting the handlers notified.
pub fn run<'a>(
    cx: &'a HostPlay<'a>,
    state: &'a mut HostState,
    items: &'a [Item<'a, 'a>],
    progress: &'a mut Progress,
    notified: &'a mut Vec<String>,
) -> Running<'a> {
    Box::pin(async move {
        for item in items {
            if cx.engine.is_interrupted()
                || !state.is_active()
                || state.ended
                || cx.control.is_ended()
            {
                return;
            }
            match item {
                Item::Task(task) if task.step.implicit_facts && state.facts_gathered => {
                    progress.done += 1;
                }
                Item::Task(task) if task.module.engine_action() == Some(EngineAction::Meta) => {
                    progress.done += 1;
                    meta::run(cx, state, task, notified).await;
                }
                Item::Task(task) if task.module.engine_action().is_some() => {
                    progress.done += 1;
                    let place = (progress.done, progress.total);
                    let inclusions = include::include(cx, state, task, place, progress.includes);
                    progress.includes += 1;
                    for inclusion in &inclusions {
                        let tasks = inclusion.tasks(cx);
                        progress.total += tasks.len();
                        run(cx, state, &tree(&tasks), progress, notified).await;
                        if !state.is_active() {
                            break;
                        }
                    }
                    progress.includes -= 1;
                }
                Item::Task(task) => {
                    progress.done += 1;
                    let place = (progress.done, progress.total);
                    let span =
                        tracing::debug_span!("step", step = %task.step.title(), index = place.0);
                    let ran = match task.step.delegation.run_once {
                        true => run_once::run(cx, state, task, place).instrument(span).await,
                        false => step::run(cx, state, task, false, place).instrument(span).await,
                    };
                    notified.extend(ran);
                    state.facts_gathered |= task.module.module().is_some_and(|m| m.gathers_facts)
                        && !task.step.delegation.facts
                        && state.is_active();
                }
                Item::Block { body, rescue, always } => {
                    run(cx, state, body, progress, notified).await;
                    if state.failed && !state.unreachable && !rescue.is_empty() {
                        rescued(state);
                        run(cx, state, rescue, progress, notified).await;
                    }
                    if !always.is_empty() && !state.unreachable && !cx.engine.is_interrupted() {
                        let failed = std::mem::replace(&mut state.failed, false);
                        run(cx, state, always, progress, notified).await;
                        state.failed |= failed;
                    }
                }
            }
        }
    })
}

/// The host is taken back from its failure, as Ansible counts it: not failed, rescued; the rescue
/// is told what failed.
fn rescued(state: &mut HostState) {
    state.failed = false;
    state.recap.failed = state.recap.failed.saturating_sub(1);
    state.recap.rescued += 1;
    if let Some(failure) = &state.last_failure {
        let facts = Arc::make_mut(&mut state.facts);
        facts.insert_value("ansible_failed_task", failure.task.clone());
        facts.insert_value("ansible_failed_result", failure.result.clone());
    }
}
