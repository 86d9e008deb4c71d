//! `--start-at-task NAME`: the run starts at the first step whose name (or `role : name`) is
//! NAME or matches it as a glob, as ansible-core finds it; every step before it, the implicit
//! fact gathering included, is left out, and later phases run whole. A name no step has is an
//! error before anything runs (ansible-core runs nothing and says so after).

use regex::Regex;

use super::resolved_task::ResolvedTask;
use crate::diag::{Diag, DiagKind};
use crate::model::pattern::glob_regex;

/// Leaves out every step before the first one `name` names, in the phases' step lists.
pub fn start_at<'s, 'a: 's>(
    phases: impl Iterator<Item = &'s mut Vec<ResolvedTask<'a>>>,
    name: &str,
) -> Result<(), Diag> {
    let glob = Regex::new(&glob_regex(name)).ok();
    let named = |title: &str| title == name || glob.as_ref().is_some_and(|g| g.is_match(title));
    let mut found = false;
    for steps in phases {
        if found {
            break;
        }
        let first = steps
            .iter()
            .position(|t| t.step.name.as_deref().is_some_and(&named) || named(&t.step.title()));
        match first {
            Some(at) => {
                steps.drain(..at);
                found = true;
            }
            None => steps.clear(),
        }
    }
    match found {
        true => Ok(()),
        false => Err(Diag::new(
            DiagKind::Invalid(format!(
                "--start-at-task `{name}`: no step has that name (the steps `include_tasks` reads \
                 are named only when it runs)"
            )),
            None,
        )),
    }
}
