//! What a run will do, decided before anything runs: which hosts each phase
//! touches after `--limit`, and which steps survive `--tags`/`--skip-tags`.

use super::resolved_task::ResolvedTask;
use super::selection::Selection;
use crate::diag::{Diag, DiagKind};
use crate::model::{Inventory, Play, Playbook, Task, pattern};

/// One phase as it will run.
#[derive(Debug)]
pub struct ScheduledPlay<'a> {
    pub phase: &'a Play,
    pub hosts: Vec<String>,
    /// The steps `--tags` and `--skip-tags` leave, in order.
    pub steps: Vec<ResolvedTask<'a>>,
    /// Every handler of the phase; the run picks those its changes notify.
    pub handlers: Vec<ResolvedTask<'a>>,
}

/// Resolves every step and handler of the playbook (a bad one stops the run before anything
/// runs, whatever the tags select), then selects hosts and steps phase by phase.
pub fn schedule<'a>(
    playbook: &'a Playbook,
    inventory: &Inventory,
    selection: &Selection,
) -> Result<Vec<ScheduledPlay<'a>>, Diag> {
    let limit = match &selection.limit {
        Some(limit) => Some(
            pattern::select(limit, inventory)
                .map_err(|e| Diag::new(DiagKind::Invalid(format!("--limit: {e}")), None))?,
        ),
        None => None,
    };
    let mut resolved = Vec::with_capacity(playbook.phases.len());
    for phase in &playbook.phases {
        let steps =
            phase.steps.iter().map(ResolvedTask::resolve).collect::<Result<Vec<_>, Diag>>()?;
        let handlers =
            phase.handlers.iter().map(ResolvedTask::resolve).collect::<Result<Vec<_>, Diag>>()?;
        resolved.push((phase, steps, handlers));
    }
    let mut phases = resolved
        .into_iter()
        .map(|(phase, steps, handlers)| {
            let mut hosts = pattern::select(&phase.hosts, inventory)
                .map_err(|e| Diag::invalid(&phase.hosts_span, e.to_string()))?;
            if let Some(limit) = &limit {
                hosts.retain(|h| limit.contains(h));
            }
            let steps = steps
                .into_iter()
                .filter(|t| selection.selects(&step_tags(phase, t.step)))
                .collect();
            Ok(ScheduledPlay { phase, hosts, steps, handlers })
        })
        .collect::<Result<Vec<_>, Diag>>()?;
    if let Some(name) = &selection.start_at_task {
        super::start_at::start_at(phases.iter_mut().map(|p| &mut p.steps), name)?;
    }
    Ok(phases)
}

/// A step's tags: its own and its phase's.
pub fn step_tags(phase: &Play, step: &Task) -> Vec<String> {
    let mut tags = phase.tags.clone();
    tags.extend(step.tags.iter().cloned());
    tags
}
