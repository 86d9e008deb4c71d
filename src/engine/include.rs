//! `include_tasks`, run where a host reaches it (Ansible's dynamic include): per loop item, its
//! `when`, then the file its (templated) `file` names is read, its steps resolved and selected
//! by `--tags` as the playbook's were, and run in place on this host. Each inclusion counts ok,
//! a skipped include skipped, as in ansible-core's recap.

use std::path::PathBuf;
use std::time::Instant;

use minijinja::Value;

use super::host::{Failure, HostPlay, HostState, IncludedRoles};
use super::loop_items;
use super::step::item_layer;
use crate::events::{Event, Status};
use crate::model::Task;
use crate::model::include::{read_included, read_included_role, take_on_include};
use crate::modules::EngineAction;
use crate::schedule::{ResolvedTask, step_tags};
use crate::vars::VarMap;

/// Includes nested deeper than this are a file including itself.
const MAX_DEPTH: usize = 32;

/// One file (or role) included for one loop item (or once).
pub struct Inclusion {
    /// What was included, as the output names it: a file's path, a role's name.
    shown: String,
    steps: Vec<Task>,
}

/// Runs an `include_tasks` step on one host, `depth` includes deep, at `place` in the progress:
/// the files it includes, for the caller to run in order (none when skipped or failed).
pub fn include(
    cx: &HostPlay<'_>,
    state: &mut HostState,
    task: &ResolvedTask<'_>,
    (index, total): (usize, usize),
    depth: usize,
) -> Vec<Inclusion> {
    let step = task.step;
    let started = Instant::now();
    let engine = cx.engine;
    let host = state.name.clone();
    engine.bus.emit(Event::StepStart {
        host: host.clone(),
        phase: cx.phase.name.clone(),
        step: step.title(),
        index,
        total,
    });
    let report = |status, message| cx.report(&host, step, status, message, started);
    let included = match depth {
        MAX_DEPTH.. => Err(IncludeError::TooDeep(MAX_DEPTH)),
        _ => {
            let mut roles = std::mem::take(&mut state.included_roles);
            let read = read(cx, state, task, &mut roles);
            state.included_roles = roles;
            read
        }
    };
    let inclusions = match included {
        Ok(inclusions) => inclusions,
        Err(message) => {
            // As in ansible-core, an include that cannot be read fails the host even under
            // `ignore_errors`: the steps it stands for cannot run.
            let message = format!("{}: {message}", step.span);
            state.recap.count(Status::Failed);
            state.failed = true;
            let failed_task = Value::from_pairs([
                ("name", Value::from(step.own_title())),
                ("action", Value::from("include_tasks")),
            ]);
            let result = Value::from_pairs([
                ("failed", Value::from(true)),
                ("msg", Value::from(message.clone())),
            ]);
            state.last_failure = Some(Failure { task: failed_task, result });
            engine.bus.emit(Event::StepResult(report(Status::Failed, Some(message))));
            return Vec::new();
        }
    };
    if inclusions.is_empty() {
        state.recap.count(Status::Skipped);
        engine.bus.emit(Event::StepResult(report(Status::Skipped, None)));
    }
    for inclusion in &inclusions {
        state.recap.count(Status::Ok);
        let message = format!("included: {}", inclusion.shown);
        engine.bus.emit(Event::StepResult(report(Status::Ok, Some(message))));
    }
    inclusions
}

impl Inclusion {
    /// Its steps resolved (they were checked when read), those `--tags` selects.
    pub fn tasks(&self, cx: &HostPlay<'_>) -> Vec<ResolvedTask<'_>> {
        self.steps
            .iter()
            .filter_map(|s| ResolvedTask::resolve(s).ok())
            .filter(|t| cx.engine.options.selection.selects(&step_tags(cx.phase, t.step)))
            .collect()
    }
}

/// Why an include cannot be read on this host. Its message becomes the step's failure.
#[derive(Debug, thiserror::Error)]
enum IncludeError {
    /// What the loader or the templater said, located.
    #[error("{0}")]
    Read(#[from] crate::diag::Diag),
    #[error("includes nested {0} deep: a file includes itself?")]
    TooDeep(usize),
    #[error("`include_tasks` names no file")]
    NoFile,
    #[error("`file` is not a path")]
    FileNotAPath,
    #[error("no task file `{file}`: looked for {}", looked.join(", "))]
    NotFound { file: String, looked: Vec<String> },
    #[error(
        "the role brings handlers ({0}), which numarun takes in only from a role named without \
         Jinja"
    )]
    TemplatedRoleHandlers(String),
}

/// The files the include names on this host, one per loop item whose `when` holds, read and
/// resolved; or why not.
fn read(
    cx: &HostPlay<'_>,
    state: &HostState,
    task: &ResolvedTask<'_>,
    roles: &mut IncludedRoles,
) -> Result<Vec<Inclusion>, IncludeError> {
    let step = task.step;
    let scope = cx.scope(state, Some(step));
    let layers: Vec<VarMap> = match &step.loop_items {
        None => vec![VarMap::default()],
        Some(node) => {
            let all = loop_items::items(&scope, step.loop_kind, node, &cx.search_dirs(step))?;
            (0..all.len()).map(|index| item_layer(&step.loop_control, &all, index)).collect()
        }
    };
    let mut inclusions = Vec::new();
    for layer in layers {
        let scope = scope.with(layer.clone());
        let mut holds = true;
        for condition in &step.when {
            holds &= scope.condition(condition)?;
        }
        if !holds {
            continue;
        }
        let (shown, mut steps) = match task.module.engine_action() {
            Some(EngineAction::IncludeRole) => role(cx, task, &scope, roles)?,
            _ => {
                let file = task.args.get("file").ok_or(IncludeError::NoFile)?;
                let file = scope.render_value(file)?;
                let file = file.as_str().ok_or(IncludeError::FileNotAPath)?.to_string();
                let path = locate(cx, step, &file)?;
                let steps = read_included(&path, task.args.get("apply"), &cx.phase.roles)?;
                (path.display().to_string(), steps)
            }
        };
        for included in &mut steps {
            take_on_include(included, step, &layer);
            ResolvedTask::resolve(included)?;
        }
        inclusions.push(Inclusion { shown, steps });
    }
    Ok(inclusions)
}

/// The role an `include_role` names on this host: its name and its steps. Its handlers are the
/// phase's already when it is named without Jinja; a templated one bringing handlers is refused.
/// With `public: true`, its defaults and vars join what this host's later steps see.
fn role(
    cx: &HostPlay<'_>,
    task: &ResolvedTask<'_>,
    scope: &std::sync::Arc<crate::template::Scope>,
    included: &mut IncludedRoles,
) -> Result<(String, Vec<Task>), IncludeError> {
    // `apply:` is taken as written: its keywords are rendered per included step.
    let mut arguments = task.args.clone();
    if let crate::yaml::NodeKind::Map(entries) = &mut arguments.kind {
        for (_, value) in entries.iter_mut().filter(|(k, _)| k.as_str() != Some("apply")) {
            *value = scope.render(value)?;
        }
    }
    let role = read_included_role(&arguments, &cx.phase.roles, &mut included.seen)?;
    let handlers = role.handlers;
    let known = |h: &Task| {
        cx.handlers.iter().any(|k| {
            k.step.span.start == h.span.start && k.step.span.source.name == h.span.source.name
        })
    };
    if let Some(unknown) = handlers.iter().find(|h| !known(h)) {
        return Err(IncludeError::TemplatedRoleHandlers(unknown.title()));
    }
    let name = arguments.get("name").map(|n| n.scalar_text()).unwrap_or_default();
    // Empty unless `public: true`.
    std::sync::Arc::make_mut(&mut included.defaults).extend(role.defaults);
    std::sync::Arc::make_mut(&mut included.vars).extend(role.vars);
    Ok((name, role.steps))
}

/// The task file: beside the file the include is written in, then in its role's `tasks/`, then
/// in the play's folder.
fn locate(cx: &HostPlay<'_>, step: &Task, file: &str) -> Result<PathBuf, IncludeError> {
    let written_in = PathBuf::from(&step.span.source.name);
    let mut candidates: Vec<PathBuf> =
        written_in.parent().map(|d| d.join(file)).into_iter().collect();
    candidates.extend(step.role.as_ref().map(|r| r.dir.join("tasks").join(file)));
    candidates.push(cx.phase.dir.join(file));
    candidates.dedup();
    candidates.iter().find(|p| p.is_file()).cloned().ok_or_else(|| IncludeError::NotFound {
        file: file.to_string(),
        looked: candidates.iter().map(|p| p.display().to_string()).collect(),
    })
}
