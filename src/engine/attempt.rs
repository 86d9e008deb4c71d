//! One execution of a module for one loop item, and how the step's keys judge it:
//! `changed_when`, `failed_when`, the registered result, a loop's overall status.

use std::sync::Arc;

use minijinja::Value;

use crate::connection::ConnectionError;
use crate::diag::Diag;
use crate::events::{Status, TextDiff};
use crate::model::Task;
use crate::model::task::LoopControl;
use crate::modules::ModuleError;
use crate::template::Scope;
use crate::vars::VarMap;
use crate::yaml::Node;

/// The result of one execution of a module (one loop item).
pub(super) struct Attempt {
    pub(super) status: Status,
    pub(super) message: Option<String>,
    pub(super) diff: Option<TextDiff>,
    /// What `register` stores.
    pub(super) result: Vec<(String, Value)>,
    pub(super) facts: Vec<(String, Value)>,
    /// Variables as written, templated when read (`include_vars`).
    pub(super) vars: VarMap,
    /// The host it ran on for this one (`delegate_to`): under `delegate_facts`, its facts are
    /// that host's.
    pub(super) delegate: Option<String>,
}

impl Attempt {
    pub(super) fn new(status: Status, message: Option<String>) -> Attempt {
        Attempt {
            status,
            message,
            diff: None,
            result: Vec::new(),
            facts: Vec::new(),
            vars: VarMap::default(),
            delegate: None,
        }
    }

    pub(super) fn failed(message: String) -> Attempt {
        Attempt::new(Status::Failed, Some(message))
    }

    pub(super) fn from_error(error: ModuleError) -> Attempt {
        match error {
            ModuleError::Connection(ConnectionError::Unreachable(message)) => {
                Attempt::new(Status::Unreachable, Some(message))
            }
            ModuleError::Diag(diag) => Attempt::failed(diag.to_string()),
            other => Attempt::failed(other.to_string()),
        }
    }

    pub(super) fn registered(&self) -> Value {
        let mut fields = vec![
            ("changed".to_string(), Value::from(self.status == Status::Changed)),
            (
                "failed".to_string(),
                Value::from(matches!(self.status, Status::Failed | Status::Ignored)),
            ),
            ("skipped".to_string(), Value::from(self.status == Status::Skipped)),
        ];
        if let Some(msg) = &self.message {
            fields.push(("msg".into(), Value::from(msg.as_str())));
        }
        fields.extend(self.result.iter().cloned());
        Value::from_pairs(fields)
    }
}

/// A looped step's status from its items': the worst one wins.
pub(super) fn overall(statuses: impl Iterator<Item = Status>, looped: bool) -> Status {
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
pub(super) fn with_item(
    result: Value,
    control: &LoopControl,
    item: &Option<Value>,
    index: usize,
) -> Value {
    let loop_var = control.var.as_str();
    match item {
        Some(item) => {
            let mut fields: Vec<(Value, Value)> = result
                .try_iter()
                .into_iter()
                .flatten()
                .map(|k| (k.clone(), result.get_item(&k).unwrap_or_default()))
                .collect();
            fields.push((Value::from(loop_var), item.clone()));
            fields.push((Value::from("ansible_loop_var"), Value::from(loop_var)));
            // As ansible-core registers it: the index under its name, and the name.
            if let Some(index_var) = &control.index_var {
                fields.push((Value::from(index_var.as_str()), Value::from(index)));
                fields.push((Value::from("ansible_index_var"), Value::from(index_var.as_str())));
            }
            Value::from_pairs(fields)
        }
        None => result,
    }
}

/// The scope `changed_when`, `failed_when` and `until` see: the registered result under its name.
pub(super) fn registered_scope(step: &Task, scope: &Arc<Scope>, attempt: &Attempt) -> Arc<Scope> {
    let mut layer = VarMap::default();
    if let Some(name) = &step.register {
        layer.insert_value(name, attempt.registered());
    }
    scope.with(layer)
}

/// Applies `changed_when` and `failed_when` to an attempt.
pub(super) fn judge(step: &Task, scope: &Arc<Scope>, mut attempt: Attempt) -> Attempt {
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
    if let Some(conditions) =
        step.changed_when.as_ref().filter(|_| attempt.status != Status::Failed)
    {
        match all(conditions) {
            Ok(changed) => attempt.status = if changed { Status::Changed } else { Status::Ok },
            Err(diag) => return Attempt::failed(diag.to_string()),
        }
    }
    attempt
}
