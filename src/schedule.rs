//! What a run will do, decided before anything runs: which hosts each phase
//! touches after `--limit`, and which steps survive `--tags`/`--skip-tags`.

use crate::diag::{Diag, DiagKind};
use crate::model::{Inventory, Phase, Playbook, Step, pattern};

#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub tags: Vec<String>,
    pub skip_tags: Vec<String>,
    pub limit: Option<String>,
}

/// One phase as it will run.
#[derive(Debug)]
pub struct ScheduledPhase<'a> {
    pub phase: &'a Phase,
    pub hosts: Vec<String>,
    pub steps: Vec<&'a Step>,
}

impl Selection {
    /// Ansible's tag rules: `always` runs unless skipped by name, `never`
    /// only when asked for, `tagged`/`untagged`/`all` select as they say.
    pub fn selects(&self, tags: &[String]) -> bool {
        let has = |t: &str| tags.iter().any(|x| x == t);
        let asked = |t: &str| self.tags.iter().any(|x| x == t);
        let wanted = if self.tags.is_empty() || asked("all") {
            !has("never") || tags.iter().any(|t| asked(t) && t != "all")
        } else {
            has("always")
                || tags.iter().any(|t| asked(t))
                || (asked("tagged") && !tags.is_empty())
                || (asked("untagged") && tags.is_empty())
        };
        let skipped = tags.iter().any(|t| self.skip_tags.contains(t))
            || (self.skip_tags.iter().any(|t| t == "tagged") && !tags.is_empty())
            || (self.skip_tags.iter().any(|t| t == "untagged") && tags.is_empty());
        wanted && !skipped
    }
}

pub fn schedule<'a>(playbook: &'a Playbook, inventory: &Inventory, selection: &Selection) -> Result<Vec<ScheduledPhase<'a>>, Diag> {
    let limit = match &selection.limit {
        Some(limit) => Some(pattern::select(limit, inventory).map_err(|e| Diag::new(DiagKind::Invalid(format!("--limit: {e}")), None))?),
        None => None,
    };
    playbook
        .phases
        .iter()
        .map(|phase| {
            let mut hosts = pattern::select(&phase.hosts, inventory).map_err(|e| Diag::invalid(&phase.hosts_span, e.to_string()))?;
            if let Some(limit) = &limit {
                hosts.retain(|h| limit.contains(h));
            }
            let steps = phase.steps.iter().filter(|s| selection.selects(&step_tags(phase, s))).collect();
            Ok(ScheduledPhase { phase, hosts, steps })
        })
        .collect()
}

/// A step's tags: its own and its phase's.
pub fn step_tags(phase: &Phase, step: &Step) -> Vec<String> {
    let mut tags = phase.tags.clone();
    tags.extend(step.tags.iter().cloned());
    tags
}
