//! A step made ready on one host (its arguments rendered, its module built, its privilege and
//! environment decided), the reads it announces, and check → apply → re-check.

use std::sync::Arc;

use super::attempt::Attempt;
use super::host::{HostPlay, HostState};
use crate::connection::{ConnectionError, Privilege, ReadPlan};
use crate::diag::Diag;
use crate::events::Status;
use crate::model::Task;
use crate::modules::{AnyModule, Check, HostReader, HostWriter, ModuleError, Outcome, StepAccess};
use crate::schedule::ResolvedTask;
use crate::template::Scope;
use crate::yaml::{Node, NodeKind};

/// Renders the arguments, except those the module evaluates itself.
fn render_args(task: &ResolvedTask<'_>, scope: &Arc<Scope>) -> Result<Node, Diag> {
    let NodeKind::Map(entries) = &task.args.kind else { return scope.render(&task.args) };
    let mut rendered = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        if key.as_str().is_some_and(|k| task.module.templated_by_itself.contains(&k)) {
            rendered.push((key.clone(), value.clone()));
        } else {
            let value = scope.render(value)?;
            if value.as_str() != Some(crate::template::OMIT) {
                rendered.push((key.clone(), value));
            }
        }
    }
    Ok(Node::new(NodeKind::Map(rendered), task.args.span.clone()))
}

fn environment(step: &Task, scope: &Arc<Scope>) -> Result<Vec<(String, String)>, Diag> {
    let mut env: Vec<(String, String)> = Vec::new();
    for node in &step.environment {
        for (key, value) in scope.render(node)?.expect_map("`environment` (a mapping)")? {
            let key = key.scalar_text();
            env.retain(|(k, _)| *k != key);
            env.push((key, value.scalar_text()));
        }
    }
    Ok(env)
}

/// A step made ready to run: its module from the rendered arguments, and the privilege it
/// runs with.
struct Prepared {
    module: Box<dyn AnyModule>,
    privilege: Privilege,
}

fn prepare(
    cx: &HostPlay<'_>,
    task: &ResolvedTask<'_>,
    scope: &Arc<Scope>,
) -> Result<Prepared, Diag> {
    let step = task.step;
    // The engine carries out its own actions where it meets them; where it cannot (a handler
    // that is an include), the step fails saying so.
    let Some(entry) = task.module.module() else {
        let name = task.module.name;
        return Err(Diag::invalid(&task.module_span, format!("`{name}` cannot run here")));
    };
    let module = (entry.build)(&render_args(task, scope)?, false)?;
    // `become` on the step, else the phase, else the host's `ansible_become`.
    let from_vars = |name: &str| scope.get(name).ok().flatten().filter(|v| !v.is_none());
    let escalate = step
        .escalate
        .or(cx.phase.escalate)
        .unwrap_or_else(|| from_vars("ansible_become").is_some_and(|v| v.is_true()));
    let user = step
        .become_user
        .clone()
        .or_else(|| cx.phase.become_user.clone())
        .or_else(|| from_vars("ansible_become_user").map(|v| v.to_string()));
    let method = match from_vars("ansible_become_method").filter(|_| escalate) {
        Some(method) => crate::model::become_method::check(&method.to_string(), &step.span)?,
        None => Default::default(),
    };
    Ok(Prepared { module, privilege: Privilege { escalate, user, method } })
}

/// Tells the host what the phase's steps will look at, so it can fetch their looks together.
/// Only what can be known now: a step whose arguments need what an earlier step registers, or
/// that loops, is left out, and it costs nothing but its own round trip.
pub fn announce(cx: &HostPlay<'_>, state: &HostState, tasks: &[ResolvedTask]) {
    let Some(host) = state.target.as_deref() else { return };
    let mut reads = ReadPlan::default();
    // A delegated step reads on its delegate, not here.
    // The engine's own actions (includes, `meta`) read nothing of the host.
    let here = |t: &&ResolvedTask| {
        t.step.loop_items.is_none() && t.step.delegation.to.is_none() && t.module.module().is_some()
    };
    for task in tasks.iter().filter(here) {
        let Ok(prepared) = prepare(cx, task, &cx.scope(state, Some(task.step))) else { continue };
        reads.add(prepared.privilege, prepared.module.planned_reads());
    }
    host.prefetch(reads);
}

/// check → (apply → re-check) for one item; the heart of idempotence. The check reads through a
/// `HostReader`, the apply carries out the check's plan through a `HostWriter`, and the re-check
/// reads afresh: an apply that leaves something still to change is "not idempotent".
pub(super) async fn execute(
    cx: &HostPlay<'_>,
    state: &HostState,
    task: &ResolvedTask<'_>,
    scope: &Arc<Scope>,
) -> Attempt {
    let step = task.step;
    let check_mode = step.check_mode.unwrap_or(cx.engine.options.check);
    let (Prepared { module, privilege }, env) =
        match prepare(cx, task, scope).and_then(|p| Ok((p, environment(step, scope)?))) {
            Ok(prepared) => prepared,
            Err(diag) => return Attempt::failed(diag.to_string()),
        };
    let (host, delegate) = match cx.connection_for(state, step, scope).await {
        Ok(found) => found,
        Err(error) => return Attempt::from_error(ModuleError::Connection(error)),
    };
    let connection = host.elevated(&privilege);
    let search_dirs = cx.search_dirs(task.step);
    let access = StepAccess {
        connection: connection.as_ref(),
        env: &env,
        scope,
        search_dirs: &search_dirs,
        span: &task.module_span,
        secrets: &cx.engine.bus.redactor,
    };

    let outcome = async {
        let checked = match module.check(&HostReader::for_check(access)).await {
            // What an earlier step would have made (a user, a unit) is not there in a dry run.
            Err(ModuleError::NotYet(reason)) if check_mode => {
                return Ok((Status::Unknown, Outcome::msg(reason), None));
            }
            Err(ModuleError::Connection(error @ ConnectionError::CannotBecome { .. }))
                if check_mode =>
            {
                return Ok((Status::Unknown, Outcome::msg(error.to_string()), None));
            }
            checked => checked?,
        };
        tracing::trace!(check_mode, found = checked.kind(), "checked");
        let status_of =
            |outcome: &Outcome| if outcome.failed { Status::Failed } else { Status::Changed };
        let (status, outcome, change) = match checked {
            Check::Ok(outcome) => {
                let status = match (outcome.failed, outcome.skipped) {
                    (true, _) => Status::Failed,
                    (false, true) => Status::Skipped,
                    (false, false) => Status::Ok,
                };
                (status, outcome, None)
            }
            Check::Change(change, _) if check_mode => {
                (Status::Changed, Outcome::msg(change.summary.clone()), Some(change))
            }
            Check::Change(change, plan) => {
                let outcome = module.apply(plan, &HostWriter::new(access)).await?;
                if outcome.failed {
                    (Status::Failed, outcome, Some(change))
                } else if let Check::Change(again, _) =
                    module.check(&HostReader::for_check(access)).await?
                {
                    let msg = format!(
                        "not idempotent: after applying `{}`, the check still wants: {}",
                        change.summary, again.summary
                    );
                    (Status::Failed, Outcome::msg(msg), Some(change))
                } else {
                    let outcome =
                        Outcome { msg: outcome.msg.or(Some(change.summary.clone())), ..outcome };
                    (Status::Changed, outcome, Some(change))
                }
            }
            Check::Always(change, _) if check_mode => {
                (Status::Changed, Outcome::msg(change.summary.clone()), Some(change))
            }
            Check::Always(change, plan) => {
                let outcome = module.apply(plan, &HostWriter::new(access)).await?;
                let outcome =
                    Outcome { msg: outcome.msg.or(Some(change.summary.clone())), ..outcome };
                (status_of(&outcome), outcome, Some(change))
            }
            Check::Unknown(reason, _) if check_mode => {
                (Status::Unknown, Outcome::msg(reason), None)
            }
            Check::Unknown(_, plan) => {
                let outcome = module.apply(plan, &HostWriter::new(access)).await?;
                (status_of(&outcome), outcome, None)
            }
        };
        Ok::<_, ModuleError>((status, outcome, change))
    }
    .await;

    match outcome {
        Ok((status, outcome, change)) => Attempt {
            status,
            message: outcome.msg,
            diff: change.and_then(|c| c.diff),
            result: outcome.data,
            facts: outcome.facts,
            vars: outcome.vars,
            delegate,
        },
        Err(error) => Attempt::from_error(error),
    }
}
