//! A task file read when the run reaches the `include_tasks` that names it (Ansible's dynamic
//! include): its path and its loop are known only then, per host.

use std::path::Path;

use super::role;
use super::role_search::RoleSearch;
use super::task::Task;
use super::task_list::{self, INHERITED_KEYS, Inherited, TaskListReader};
use crate::diag::Diag;
use crate::vars::VarMap;
use crate::yaml::{self, Fields, Node};

/// The steps of the task file at `path`, each taking on the include's `apply:` keywords. A role
/// it imports is found on `roles`.
pub fn read_included(
    path: &Path,
    apply: Option<&Node>,
    roles: &RoleSearch,
) -> Result<Vec<Task>, Diag> {
    let list = yaml::load_file(path)?;
    let mut reader = TaskListReader::new(roles.clone(), role::read_role);
    let folder = path.parent().unwrap_or(Path::new("."));
    let mut steps = task_list::parse(&list, false, folder, &mut reader)?;
    if let Some(handler) = reader.handlers.first() {
        return Err(Diag::invalid(
            &handler.span,
            "a role imported by an included task file brings handlers, which numarun does not take in while running",
        )
        .with_help("import the role in the play (`roles:` or `import_role` in its tasks)"));
    }
    if let Some(apply) = apply {
        let inherited = applied(apply)?;
        steps.iter_mut().for_each(|step| inherited.apply(step));
    }
    Ok(steps)
}

/// A role an `include_role` read.
pub struct IncludedRole {
    /// Its steps, its dependencies' first.
    pub steps: Vec<Task>,
    /// Its handlers (the phase has those of a role named without Jinja already).
    pub handlers: Vec<Task>,
    /// With `public: true`, its (and its dependencies') defaults, for the rest of the play on
    /// this host; empty otherwise.
    pub defaults: VarMap,
    /// With `public: true`, its (and its dependencies') vars, likewise.
    pub vars: VarMap,
}

/// The role an `include_role` names (`arguments`, rendered for this host), its dependencies
/// unless `seen` has them (the roles this host has run in the phase, which grows by them), each
/// step taking on the include's `apply:` keywords.
pub fn read_included_role(
    arguments: &Node,
    roles: &RoleSearch,
    seen: &mut Vec<String>,
) -> Result<IncludedRole, Diag> {
    let (name, entry) = role::entry_of(arguments, true)?;
    let mut reader = TaskListReader::new(roles.clone(), role::read_role);
    reader.roles_seen = std::mem::take(seen);
    let loaded =
        role::load(&name.scalar_text(), &name.span, Inherited::default(), &entry, &mut reader);
    *seen = std::mem::take(&mut reader.roles_seen);
    let mut steps = loaded?;
    if let Some(apply) = arguments.get("apply") {
        let inherited = applied(apply)?;
        steps.iter_mut().for_each(|step| inherited.apply(step));
    }
    Ok(IncludedRole {
        steps,
        handlers: reader.handlers,
        defaults: reader.exposed_defaults,
        vars: reader.exposed_vars,
    })
}

/// The keywords of an include's `apply:`, checked (also before the run, by the module).
pub fn applied(apply: &Node) -> Result<Inherited, Diag> {
    let mut fields = Fields::new(apply, "`apply` key")?;
    let inherited = Inherited::take(&mut fields)?;
    fields.finish(INHERITED_KEYS)?;
    Ok(inherited)
}

/// What an included step takes on from the `include_tasks` that read it: the include's
/// variables and the loop item it was included for (`item`), its role, and the keywords the
/// blocks, imports and roles around the include handed down (ansible-core refuses `become` and
/// the like on an include itself, so those can have come only from around it). The include's
/// own tags and `when` select the include, not its steps.
pub fn take_on_include(step: &mut Task, include: &Task, item: &crate::vars::VarMap) {
    let mut vars = include.vars.clone();
    vars.extend(item.clone());
    vars.extend(std::mem::take(&mut step.vars));
    step.vars = vars;
    if step.role.is_none() {
        step.role.clone_from(&include.role);
    }
    for tag in include.tags.iter().filter(|t| !include.own_tags.contains(t)) {
        if !step.tags.contains(tag) {
            step.tags.push(tag.clone());
        }
    }
    step.escalate = step.escalate.or(include.escalate);
    if step.become_user.is_none() {
        step.become_user.clone_from(&include.become_user);
    }
    step.environment.splice(0..0, include.environment.iter().cloned());
    step.no_log |= include.no_log;
    step.check_mode = step.check_mode.or(include.check_mode);
}
