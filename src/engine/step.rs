//! One step on one host: loop items, `when`, then check → apply → re-check,
//! with `until`/`retries`, `changed_when`/`failed_when`, `register`, `notify`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use minijinja::Value;

use super::attempt::{Attempt, judge, overall, registered_scope, with_item};
use super::execute::execute;
use super::host::{Failure, HostPlay, HostState};
use super::loop_items;
use super::play_control::SharedResult;
use super::shared::Engine;
use crate::events::{Event, Status, StepReport, TextDiff};
use crate::model::Task;
use crate::model::task::LoopControl;
use crate::redact::REDACTED;
use crate::schedule::ResolvedTask;
use crate::template::Scope;
use crate::vars::VarMap;

/// Makes facts (and variables as written) a step set the host's, the facts redacted from then
/// on when the step is `no_log`.
fn keep_facts(engine: &Engine, state: &mut HostState, step: &Task, attempt: &mut Attempt) {
    let facts = std::mem::take(&mut attempt.facts);
    let mut vars = std::mem::take(&mut attempt.vars);
    match attempt.delegate.as_deref().filter(|_| step.delegation.facts) {
        // `delegate_facts`: the delegate's, seen through `hostvars` now and by its own steps
        // from its next play.
        Some(delegate) if !(facts.is_empty() && vars.is_empty()) => {
            facts.into_iter().for_each(|(name, value)| vars.insert_value(&name, value));
            engine.hostvars.give(delegate, vars);
        }
        _ => keep(engine, state, step, facts, vars),
    }
}

fn keep(
    engine: &Engine,
    state: &mut HostState,
    step: &Task,
    facts: Vec<(String, Value)>,
    vars: VarMap,
) {
    if facts.is_empty() && vars.is_empty() {
        return;
    }
    let map = Arc::make_mut(&mut state.facts);
    map.extend(vars);
    for (name, value) in facts {
        if step.no_log {
            engine.bus.redactor.add_value(&value);
        }
        map.insert_value(&name, value);
    }
    engine.hostvars.publish(&state.name, &state.facts);
}

/// Runs a step (or handler) and returns the handlers it notifies.
pub async fn run(
    cx: &HostPlay<'_>,
    state: &mut HostState,
    task: &ResolvedTask<'_>,
    handler: bool,
    place: (usize, usize),
) -> Vec<String> {
    run_leaving(cx, state, task, handler, place).await.0
}

/// Takes what a step run once on another host of the batch left: its registered result and
/// its facts. A failure there ends the play here too (ansible-core stops the batch).
pub(super) fn take_shared_result(
    cx: &HostPlay<'_>,
    state: &mut HostState,
    step: &Task,
    left: &SharedResult,
) {
    if left.status == Status::Failed {
        state.ended = true;
        return;
    }
    keep(cx.engine, state, step, left.facts.clone(), left.vars.clone());
    if let Some(name) = &step.register {
        Arc::make_mut(&mut state.facts).insert_value(name, left.registered.clone());
        cx.engine.hostvars.publish(&state.name, &state.facts);
    }
}

/// Runs a step, and says what it left for the host (`take_shared_result` gives it to others).
pub(super) async fn run_leaving(
    cx: &HostPlay<'_>,
    state: &mut HostState,
    task: &ResolvedTask<'_>,
    handler: bool,
    (index, total): (usize, usize),
) -> (Vec<String>, SharedResult) {
    let step = task.step;
    let engine = cx.engine;
    engine.bus.emit(Event::StepStart {
        host: state.name.clone(),
        phase: cx.phase.name.clone(),
        step: step.title(),
        index,
        total,
    });
    let started = Instant::now();
    let mut scope = cx.scope(state, Some(step));
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
        Some(node) => {
            match loop_items::items(&scope, step.loop_kind, node, &cx.search_dirs(step)) {
                Ok(items) => Some(items.into_iter().map(Ok).collect()),
                Err(diag) => Some(vec![Err(diag)]),
            }
        }
    };
    let mut attempts: Vec<(Option<Value>, Attempt)> = Vec::new();
    match items {
        None => attempts.push((None, run_item(cx, state, task, &scope).await)),
        Some(items) => {
            let all: Vec<Value> = items.iter().filter_map(|i| i.as_ref().ok().cloned()).collect();
            for (index, item) in items.into_iter().enumerate() {
                if let Some(pause) = step.loop_control.pause.filter(|p| index > 0 && *p > 0.0) {
                    tokio::time::sleep(std::time::Duration::from_secs_f64(pause)).await;
                }
                let (item, attempt) = match item {
                    Err(diag) => (None, Attempt::failed(diag.to_string())),
                    Ok(item) => {
                        let item_scope = scope.with(item_layer(&step.loop_control, &all, index));
                        let mut attempt = run_item(cx, state, task, &item_scope).await;
                        // As in Ansible, the next item sees the facts this one set.
                        if !attempt.facts.is_empty() || !attempt.vars.is_empty() {
                            keep_facts(engine, state, step, &mut attempt);
                            scope = cx.scope(state, Some(step));
                        }
                        (Some(item), attempt)
                    }
                };
                let label = item.as_ref().map(|i| label(step, &scope, i, &all, index));
                let (message, diff) = visible(step, &attempt);
                engine.bus.emit(Event::ItemResult(report(
                    attempt.status,
                    message,
                    diff,
                    label,
                    false,
                )));
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
    let mut status = overall(attempts.iter().map(|(_, a)| a.status), looped);
    // `ignore_unreachable`: counted as ansible-core counts it, and the host goes on.
    if status == Status::Unreachable && step.ignore_unreachable {
        status = Status::Ignored;
    }
    let registered = if looped {
        let results: Vec<Value> = attempts
            .iter()
            .enumerate()
            .map(|(index, (item, a))| with_item(a.registered(), &step.loop_control, item, index))
            .collect();
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
    let mut left =
        SharedResult { status, registered: registered.clone(), ..SharedResult::default() };
    for (_, attempt) in &mut attempts {
        left.facts.extend(attempt.facts.iter().cloned());
        left.vars.extend(attempt.vars.clone());
        keep_facts(engine, state, step, attempt);
    }
    if let Some(name) = &step.register {
        Arc::make_mut(&mut state.facts).insert_value(name, registered.clone());
        engine.hostvars.publish(&state.name, &state.facts);
    }

    state.recap.count(status);
    match status {
        Status::Failed => {
            state.failed = true;
            let task = Value::from_pairs([
                ("name", Value::from(step.own_title())),
                ("action", Value::from(task.module.name)),
            ]);
            state.last_failure = Some(Failure { task, result: registered.clone() });
        }
        Status::Unreachable => {
            state.unreachable = true;
            let message = attempts.iter().find_map(|(_, a)| a.message.clone()).unwrap_or_default();
            engine.bus.emit(Event::HostUnreachable {
                host: state.name.clone(),
                phase: cx.phase.name.clone(),
                message,
            });
        }
        _ => {}
    }
    let (message, diff) = if looped { (None, None) } else { visible(step, &attempts[0].1) };
    tracing::debug!(?status, elapsed_ms = started.elapsed().as_millis() as u64, "step done");
    engine.bus.emit(Event::StepResult(report(status, message, diff, None, looped)));
    let notified = if status == Status::Changed { step.notify.clone() } else { Vec::new() };
    (notified, left)
}

/// What may be shown of an attempt: nothing of a `no_log` step. A failure says where its step
/// is written, as a load error does, unless it already points somewhere (a template's line, an
/// argument's): in a site of many files, "failed" alone leaves the user searching.
fn visible(step: &Task, attempt: &Attempt) -> (Option<String>, Option<TextDiff>) {
    let message = match step.no_log {
        true => Some(format!("{REDACTED} (no_log)")),
        false => attempt.message.clone(),
    };
    let message = match (message, attempt.status) {
        (Some(message), Status::Failed | Status::Ignored) if !located(&message) => {
            Some(format!("{}: {message}", step.span))
        }
        (message, _) => message,
    };
    (message, if step.no_log { None } else { attempt.diff.clone() })
}

/// Does the message begin with a place, `file:line:col: `?
fn located(message: &str) -> bool {
    let Some((head, _)) = message.split_once(": ") else { return false };
    let mut parts = head.rsplitn(3, ':');
    let number = |part: Option<&str>| {
        part.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    };
    number(parts.next()) && number(parts.next()) && parts.next().is_some_and(|f| !f.is_empty())
}

fn label(step: &Task, scope: &Arc<Scope>, item: &Value, all: &[Value], index: usize) -> String {
    let Some(label) = &step.loop_control.label else {
        return item.as_str().map(str::to_string).unwrap_or_else(|| item.to_string());
    };
    match scope.with(item_layer(&step.loop_control, all, index)).render_value(label) {
        Ok(value) => value.as_str().map(str::to_string).unwrap_or_else(|| value.to_string()),
        Err(diag) => format!("<label: {diag}>"),
    }
}

/// What one item of a loop sees: the item, its index with `index_var`, and with `extended` its
/// place in the loop as `ansible_loop` (Ansible's fields: `index` from 1, `index0`, `revindex`,
/// `revindex0`, `first`, `last`, `length`, `allitems`, `previtem`, `nextitem`).
pub(super) fn item_layer(control: &LoopControl, all: &[Value], index: usize) -> VarMap {
    let mut layer = VarMap::default();
    layer.insert_value(&control.var, all.get(index).cloned().unwrap_or_default());
    if let Some(var) = &control.index_var {
        layer.insert_value(var, Value::from(index));
    }
    if control.extended {
        let length = all.len();
        let mut fields = vec![
            ("allitems", Value::from(all.to_vec())),
            ("index", Value::from(index + 1)),
            ("index0", Value::from(index)),
            ("revindex", Value::from(length - index)),
            ("revindex0", Value::from(length - index - 1)),
            ("first", Value::from(index == 0)),
            ("last", Value::from(index + 1 == length)),
            ("length", Value::from(length)),
        ];
        if index > 0 {
            fields.push(("previtem", all[index - 1].clone()));
        }
        if index + 1 < length {
            fields.push(("nextitem", all[index + 1].clone()));
        }
        layer.insert_value("ansible_loop", Value::from_pairs(fields));
    }
    layer
}

/// `when`, then the module with its retries, for one item.
async fn run_item(
    cx: &HostPlay<'_>,
    state: &HostState,
    task: &ResolvedTask<'_>,
    scope: &Arc<Scope>,
) -> Attempt {
    let step = task.step;
    for condition in &step.when {
        match scope.condition(condition) {
            Ok(true) => {}
            Ok(false) => {
                let mut skipped = Attempt::new(Status::Skipped, None);
                skipped.result.push((
                    "skip_reason".into(),
                    Value::from(format!("condition was false: {}", condition.scalar_text())),
                ));
                return skipped;
            }
            Err(diag) => return Attempt::failed(diag.to_string()),
        }
    }
    // `retries` also covers a dropped connection: the next attempt reconnects.
    let tries = if step.until.is_some() || step.retries.is_some() {
        step.retries.unwrap_or(3) + 1
    } else {
        1
    };
    let pause = Duration::from_secs_f64(step.delay.unwrap_or(5.0));
    let mut attempt = Attempt::failed("no attempt".into());
    for number in 1..=tries {
        attempt = judge(step, scope, execute(cx, state, task, scope).await);
        if attempt.status == Status::Unreachable && number < tries {
            tokio::time::sleep(pause).await;
            continue;
        }
        let Some(until) = &step.until else { break };
        attempt.result.push(("attempts".into(), Value::from(number)));
        match registered_scope(step, scope, &attempt).condition(until) {
            Ok(true) => break,
            Ok(false) if number < tries => tokio::time::sleep(pause).await,
            // As in Ansible, the last attempt's result stays registered (its rc, its output),
            // failed: what comes after may need to say why it never held.
            Ok(false) => {
                let last = attempt.message.take().map(|m| format!(" (last: {m})"));
                attempt.message = Some(format!(
                    "`until` still false after {tries} attempts{}",
                    last.unwrap_or_default()
                ));
                attempt.status = Status::Failed;
            }
            Err(diag) => return Attempt::failed(diag.to_string()),
        }
    }
    if attempt.status == Status::Failed && step.ignore_errors {
        attempt.status = Status::Ignored;
    }
    attempt
}
