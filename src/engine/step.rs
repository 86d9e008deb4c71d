//! One step on one host: loop items, `when`, then check → apply → re-check,
//! with `until`/`retries`, `changed_when`/`failed_when`, `register`, `notify`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use minijinja::Value;

use super::Engine;
use super::host::{HostPhase, HostState};
use crate::connection::{ConnectionError, PlannedRead, Privilege};
use crate::diag::Diag;
use crate::events::{Event, Status, StepReport, TextDiff};
use crate::model::Step;
use crate::modules::{Check, Cx, Module, ModuleError, Outcome};
use crate::redact::REDACTED;
use crate::template::Scope;
use crate::vars::VarMap;
use crate::yaml::{Node, NodeKind};

/// The result of one execution of a module (one loop item).
struct Attempt {
    status: Status,
    message: Option<String>,
    diff: Option<TextDiff>,
    /// What `register` stores.
    result: Vec<(String, Value)>,
    facts: Vec<(String, Value)>,
}

impl Attempt {
    fn new(status: Status, message: Option<String>) -> Attempt {
        Attempt { status, message, diff: None, result: Vec::new(), facts: Vec::new() }
    }

    fn failed(message: String) -> Attempt {
        Attempt::new(Status::Failed, Some(message))
    }

    fn from_error(error: ModuleError) -> Attempt {
        match error {
            ModuleError::Connection(ConnectionError::Unreachable(message)) => Attempt::new(Status::Unreachable, Some(message)),
            ModuleError::Diag(diag) => Attempt::failed(diag.to_string()),
            other => Attempt::failed(other.to_string()),
        }
    }

    fn registered(&self) -> Value {
        let mut fields = vec![
            ("changed".to_string(), Value::from(self.status == Status::Changed)),
            ("failed".to_string(), Value::from(matches!(self.status, Status::Failed | Status::Ignored))),
            ("skipped".to_string(), Value::from(self.status == Status::Skipped)),
        ];
        if let Some(msg) = &self.message {
            fields.push(("msg".into(), Value::from(msg.as_str())));
        }
        fields.extend(self.result.iter().cloned());
        Value::from_pairs(fields)
    }
}

/// Makes facts a step set the host's, redacted from then on when the step is `no_log`.
fn keep_facts(engine: &Engine, state: &mut HostState, step: &Step, facts: Vec<(String, Value)>) {
    if facts.is_empty() {
        return;
    }
    let map = Arc::make_mut(&mut state.facts);
    for (name, value) in facts {
        if step.no_log {
            engine.bus.redactor.add_value(&value);
        }
        map.insert_value(&name, value);
    }
    engine.hostvars.publish(&state.name, &state.facts);
}

/// Runs a step (or handler) and returns the handlers it notifies.
pub async fn run(cx: &HostPhase<'_>, state: &mut HostState, step: &Step, handler: bool, (index, total): (usize, usize)) -> Vec<String> {
    let engine = cx.engine;
    engine.bus.emit(Event::StepStart { host: state.name.clone(), phase: cx.phase.name.clone(), step: step.title(), index, total });
    let started = Instant::now();
    let mut scope = cx.scope(state, &step.vars);
    let host = state.name.clone();
    let report = |status, message, diff, item, looped| StepReport {
        host: host.clone(),
        phase: cx.phase.name.clone(),
        step: step.title(),
        item,
        status,
        message,
        diff,
        handler,
        looped,
        check_mode: step.check_mode.unwrap_or(engine.options.check),
        duration_ms: started.elapsed().as_millis() as u64,
    };

    let items = match &step.loop_items {
        None => None,
        Some(node) => match loop_items(&scope, node) {
            Ok(items) => Some(items),
            Err(diag) => Some(vec![Err(diag)]),
        },
    };
    let mut attempts: Vec<(Option<Value>, Attempt)> = Vec::new();
    match items {
        None => attempts.push((None, run_item(cx, state, step, &scope).await)),
        Some(items) => {
            for item in items {
                let (item, attempt) = match item {
                    Err(diag) => (None, Attempt::failed(diag.to_string())),
                    Ok(item) => {
                        let mut layer = VarMap::default();
                        layer.insert_value(&step.loop_var, item.clone());
                        let item_scope = scope.with(layer);
                        let mut attempt = run_item(cx, state, step, &item_scope).await;
                        // As in Ansible, the next item sees the facts this one set.
                        if !attempt.facts.is_empty() {
                            keep_facts(engine, state, step, std::mem::take(&mut attempt.facts));
                            scope = cx.scope(state, &step.vars);
                        }
                        (Some(item), attempt)
                    }
                };
                let label = item.as_ref().map(|i| label(step, &scope, i));
                let (message, diff) = visible(step, &attempt);
                engine.bus.emit(Event::ItemResult(report(attempt.status, message, diff, label, false)));
                let unreachable = attempt.status == Status::Unreachable;
                attempts.push((item, attempt));
                // The host sits out the rest of the run, its loops' other items included: each
                // would only wait for its own connect timeout.
                if unreachable {
                    break;
                }
            }
        }
    }

    let looped = step.loop_items.is_some();
    let status = overall(attempts.iter().map(|(_, a)| a.status), looped);
    let registered = if looped {
        let results: Vec<Value> = attempts.iter().map(|(item, a)| with_item(a.registered(), &step.loop_var, item)).collect();
        Value::from_pairs([
            ("changed", Value::from(status == Status::Changed)),
            ("failed", Value::from(status == Status::Failed)),
            ("skipped", Value::from(status == Status::Skipped)),
            ("results", Value::from(results)),
        ])
    } else {
        attempts[0].1.registered()
    };
    if step.no_log {
        engine.bus.redactor.add_result(&registered);
    }
    let facts: Vec<(String, Value)> = attempts.iter_mut().flat_map(|(_, a)| std::mem::take(&mut a.facts)).collect();
    keep_facts(engine, state, step, facts);
    if let Some(name) = &step.register {
        Arc::make_mut(&mut state.facts).insert_value(name, registered);
        engine.hostvars.publish(&state.name, &state.facts);
    }

    state.recap.count(status);
    match status {
        Status::Failed => state.failed = true,
        Status::Unreachable => {
            state.unreachable = true;
            let message = attempts.iter().find_map(|(_, a)| a.message.clone()).unwrap_or_default();
            engine.bus.emit(Event::HostUnreachable { host: state.name.clone(), phase: cx.phase.name.clone(), message });
        }
        _ => {}
    }
    let (message, diff) = if looped { (None, None) } else { visible(step, &attempts[0].1) };
    engine.bus.emit(Event::StepResult(report(status, message, diff, None, looped)));
    if status == Status::Changed { step.notify.clone() } else { Vec::new() }
}

/// What may be shown of an attempt: nothing of a `no_log` step.
fn visible(step: &Step, attempt: &Attempt) -> (Option<String>, Option<TextDiff>) {
    if step.no_log {
        return (Some(format!("{REDACTED} (no_log)")), None);
    }
    (attempt.message.clone(), attempt.diff.clone())
}

fn overall(statuses: impl Iterator<Item = Status>, looped: bool) -> Status {
    let all: Vec<Status> = statuses.collect();
    let any = |s| all.contains(&s);
    if any(Status::Unreachable) {
        Status::Unreachable
    } else if any(Status::Failed) {
        Status::Failed
    } else if any(Status::Changed) {
        Status::Changed
    } else if any(Status::Unknown) {
        Status::Unknown
    } else if any(Status::Ignored) {
        Status::Ignored
    } else if all.iter().all(|s| *s == Status::Skipped) && (looped || !all.is_empty()) {
        Status::Skipped
    } else {
        Status::Ok
    }
}

/// A loop item's result carries its item under the loop variable's name, as in Ansible.
fn with_item(result: Value, loop_var: &str, item: &Option<Value>) -> Value {
    match item {
        Some(item) => {
            let mut fields: Vec<(Value, Value)> =
                result.try_iter().into_iter().flatten().map(|k| (k.clone(), result.get_item(&k).unwrap_or_default())).collect();
            fields.push((Value::from(loop_var), item.clone()));
            fields.push((Value::from("ansible_loop_var"), Value::from(loop_var)));
            Value::from_pairs(fields)
        }
        None => result,
    }
}

fn loop_items(scope: &Arc<Scope>, node: &Node) -> Result<Vec<Result<Value, Diag>>, Diag> {
    let value = scope.render_value(node)?;
    if value.as_str().is_some() || value.try_iter().is_err() {
        return Err(node.wrong_type("a list to loop over"));
    }
    Ok(value.try_iter().map(|items| items.map(Ok).collect()).unwrap_or_default())
}

fn label(step: &Step, scope: &Arc<Scope>, item: &Value) -> String {
    let Some(label) = &step.loop_label else {
        return item.as_str().map(str::to_string).unwrap_or_else(|| item.to_string());
    };
    let mut layer = VarMap::default();
    layer.insert_value(&step.loop_var, item.clone());
    match scope.with(layer).render_value(label) {
        Ok(value) => value.as_str().map(str::to_string).unwrap_or_else(|| value.to_string()),
        Err(diag) => format!("<label: {diag}>"),
    }
}

/// `when`, then the module with its retries, for one item.
async fn run_item(cx: &HostPhase<'_>, state: &HostState, step: &Step, scope: &Arc<Scope>) -> Attempt {
    for condition in &step.when {
        match scope.condition(condition) {
            Ok(true) => {}
            Ok(false) => {
                let mut skipped = Attempt::new(Status::Skipped, None);
                skipped.result.push(("skip_reason".into(), Value::from(format!("condition was false: {}", condition.scalar_text()))));
                return skipped;
            }
            Err(diag) => return Attempt::failed(diag.to_string()),
        }
    }
    // `retries` also covers a dropped connection: the next attempt reconnects.
    let tries = if step.until.is_some() || step.retries.is_some() { step.retries.unwrap_or(3) + 1 } else { 1 };
    let pause = Duration::from_secs_f64(step.delay.unwrap_or(5.0));
    let mut attempt = Attempt::failed("no attempt".into());
    for number in 1..=tries {
        attempt = judge(step, scope, execute(cx, state, step, scope).await);
        if attempt.status == Status::Unreachable && number < tries {
            tokio::time::sleep(pause).await;
            continue;
        }
        let Some(until) = &step.until else { break };
        attempt.result.push(("attempts".into(), Value::from(number)));
        match registered_scope(step, scope, &attempt).condition(until) {
            Ok(true) => break,
            Ok(false) if number < tries => tokio::time::sleep(pause).await,
            Ok(false) => {
                attempt = Attempt::failed(format!(
                    "`until` still false after {tries} attempts{}",
                    attempt.message.as_ref().map(|m| format!(" (last: {m})")).unwrap_or_default()
                ))
            }
            Err(diag) => return Attempt::failed(diag.to_string()),
        }
    }
    if attempt.status == Status::Failed && step.ignore_errors {
        attempt.status = Status::Ignored;
    }
    attempt
}

/// The scope `changed_when`, `failed_when` and `until` see: the registered result under its name.
fn registered_scope(step: &Step, scope: &Arc<Scope>, attempt: &Attempt) -> Arc<Scope> {
    let mut layer = VarMap::default();
    if let Some(name) = &step.register {
        layer.insert_value(name, attempt.registered());
    }
    scope.with(layer)
}

/// Applies `changed_when` and `failed_when` to an attempt.
fn judge(step: &Step, scope: &Arc<Scope>, mut attempt: Attempt) -> Attempt {
    if matches!(attempt.status, Status::Unknown | Status::Skipped | Status::Unreachable)
        || attempt.result.is_empty() && attempt.status == Status::Failed
    {
        return attempt;
    }
    let judged = registered_scope(step, scope, &attempt);
    let all = |conditions: &[Node]| -> Result<bool, Diag> {
        for c in conditions {
            if !judged.condition(c)? {
                return Ok(false);
            }
        }
        Ok(true)
    };
    if let Some(conditions) = &step.failed_when {
        match all(conditions) {
            Ok(true) => attempt.status = Status::Failed,
            Ok(false) if attempt.status == Status::Failed => {
                attempt.status = Status::Changed;
                attempt.message = None;
            }
            Ok(false) => {}
            Err(diag) => return Attempt::failed(diag.to_string()),
        }
    }
    if let Some(conditions) = step.changed_when.as_ref().filter(|_| attempt.status != Status::Failed) {
        match all(conditions) {
            Ok(changed) => attempt.status = if changed { Status::Changed } else { Status::Ok },
            Err(diag) => return Attempt::failed(diag.to_string()),
        }
    }
    attempt
}

/// Renders the arguments, except those the module evaluates itself.
fn render_args(step: &Step, scope: &Arc<Scope>) -> Result<Node, Diag> {
    let NodeKind::Map(entries) = &step.args.kind else { return scope.render(&step.args) };
    let mut rendered = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        if key.as_str().is_some_and(|k| step.module.raw.contains(&k)) {
            rendered.push((key.clone(), value.clone()));
        } else {
            let value = scope.render(value)?;
            if value.as_str() != Some(crate::template::OMIT) {
                rendered.push((key.clone(), value));
            }
        }
    }
    Ok(Node::new(NodeKind::Map(rendered), step.args.span.clone()))
}

fn environment(step: &Step, scope: &Arc<Scope>) -> Result<Vec<(String, String)>, Diag> {
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
    module: Box<dyn Module>,
    privilege: Privilege,
}

fn prepare(cx: &HostPhase<'_>, step: &Step, scope: &Arc<Scope>) -> Result<Prepared, Diag> {
    let module = (step.module.build)(&render_args(step, scope)?, false)?;
    // `become` on the step, else the phase, else the host's `ansible_become`.
    let from_vars = |name: &str| scope.get(name).ok().flatten().filter(|v| !v.is_none());
    let escalate = step.escalate.or(cx.phase.escalate).unwrap_or_else(|| from_vars("ansible_become").is_some_and(|v| v.is_true()));
    let user = step
        .become_user
        .clone()
        .or_else(|| cx.phase.become_user.clone())
        .or_else(|| from_vars("ansible_become_user").map(|v| v.to_string()));
    Ok(Prepared { module, privilege: Privilege { escalate, user } })
}

/// Tells the host what the phase's steps will look at, so it can fetch their looks together.
/// Only what can be known now: a step whose arguments need what an earlier step registers, or
/// that loops, is left out, and it costs nothing but its own round trip.
pub fn announce(cx: &HostPhase<'_>, state: &HostState, steps: &[&Step]) {
    let Some(host) = state.target.as_deref() else { return };
    let mut by_privilege: Vec<(Privilege, Vec<PlannedRead>)> = Vec::new();
    for step in steps.iter().filter(|s| s.loop_items.is_none()) {
        let Ok(prepared) = prepare(cx, step, &cx.scope(state, &step.vars)) else { continue };
        let upcoming = prepared.module.upcoming();
        if upcoming.is_empty() {
            continue;
        }
        match by_privilege.iter_mut().find(|(p, _)| *p == prepared.privilege) {
            Some((_, list)) => list.extend(upcoming),
            None => by_privilege.push((prepared.privilege, upcoming)),
        }
    }
    host.prefetch(by_privilege);
}

/// check → (apply → re-check) for one item; the heart of idempotence.
async fn execute(cx: &HostPhase<'_>, state: &HostState, step: &Step, scope: &Arc<Scope>) -> Attempt {
    let check_mode = step.check_mode.unwrap_or(cx.engine.options.check);
    let (Prepared { module, privilege }, env) = match prepare(cx, step, scope).and_then(|p| Ok((p, environment(step, scope)?))) {
        Ok(prepared) => prepared,
        Err(diag) => return Attempt::failed(diag.to_string()),
    };
    let Some(host) = state.target.as_deref() else { return Attempt::failed("no connection".into()) };
    let target = host.elevated(&privilege);
    let module_cx =
        Cx { target: target.as_ref(), env, scope, search_dirs: &cx.search_dirs, span: &step.module_span, secrets: &cx.engine.bus.redactor };

    let outcome = async {
        let checked = match module.check(&module_cx).await {
            // What an earlier step would have made (a user, a unit) is not there in a dry run.
            Err(ModuleError::NotYet(reason)) if check_mode => Check::Unknown(reason),
            Err(ModuleError::Connection(error @ ConnectionError::CannotBecome { .. })) if check_mode => Check::Unknown(error.to_string()),
            checked => checked?,
        };
        let (status, outcome, change) = match checked {
            Check::Ok(outcome) => (if outcome.failed { Status::Failed } else { Status::Ok }, outcome, None),
            Check::Change(change) if check_mode => (Status::Changed, Outcome::msg(change.summary.clone()), Some(change)),
            Check::Change(change) => {
                let outcome = module.apply(&module_cx).await?;
                if outcome.failed {
                    (Status::Failed, outcome, Some(change))
                } else if let Check::Change(again) = module.check(&module_cx).await? {
                    let msg = format!("not idempotent: after applying `{}`, the check still wants: {}", change.summary, again.summary);
                    (Status::Failed, Outcome::msg(msg), Some(change))
                } else {
                    let outcome = Outcome { msg: outcome.msg.or(Some(change.summary.clone())), ..outcome };
                    (Status::Changed, outcome, Some(change))
                }
            }
            Check::Always(change) if check_mode => (Status::Changed, Outcome::msg(change.summary.clone()), Some(change)),
            Check::Always(change) => {
                let outcome = module.apply(&module_cx).await?;
                let outcome = Outcome { msg: outcome.msg.or(Some(change.summary.clone())), ..outcome };
                (if outcome.failed { Status::Failed } else { Status::Changed }, outcome, Some(change))
            }
            Check::Unknown(reason) if check_mode => (Status::Unknown, Outcome::msg(reason), None),
            Check::Unknown(_) => {
                let outcome = module.apply(&module_cx).await?;
                (if outcome.failed { Status::Failed } else { Status::Changed }, outcome, None)
            }
        };
        Ok::<_, ModuleError>((status, outcome, change))
    }
    .await;

    match outcome {
        Ok((status, outcome, change)) => Attempt {
            status,
            message: outcome.msg,
            diff: change.and_then(|c| c.diff).map(|d| TextDiff { path: d.path, before: d.before, after: d.after }),
            result: outcome.data,
            facts: outcome.facts,
        },
        Err(error) => Attempt::from_error(error),
    }
}
