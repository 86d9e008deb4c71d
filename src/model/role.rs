//! Ansible's roles: a folder of `tasks/`, `handlers/`, `defaults/`, `vars/`, `files/`,
//! `templates/` and `meta/`, found on the role search path and read into the steps and handlers
//! it adds to a phase. Each step of a role carries the role's context (`RoleContext`): its
//! defaults (below the inventory), its vars (above the phase's), and its folder, where its files
//! and templates are looked for first.

use std::path::Path;
use std::sync::Arc;

use super::role_context::RoleContext;
use super::task::Task;
use super::task_list::{self, INHERITED_KEYS, Inherited, TaskListReader};
use crate::diag::{Diag, Span};
use crate::vars::VarMap;
use crate::yaml::{self, Fields, Node, NodeKind};

/// How the roles read so far note that a role's handlers joined the phase.
const HANDLERS: &str = "handlers ";

/// Which of a role's files to read: `main`, or another name (`tasks_from` and friends).
#[derive(Default)]
pub(crate) struct RoleEntry {
    pub(crate) tasks_from: Option<String>,
    pub(crate) vars_from: Option<String>,
    pub(crate) defaults_from: Option<String>,
    pub(crate) handlers_from: Option<String>,
    /// Read for an `include_role`: it runs each time it is included.
    pub(crate) dynamic: bool,
    /// Its defaults and vars are seen by the play's other steps too (`import_role`, `roles:`,
    /// `include_role` with `public: true`), not only by its own.
    pub(crate) public: bool,
}

impl RoleEntry {
    /// A role as `roles:` and dependencies name it: `main` files, shared with the play.
    fn in_play() -> RoleEntry {
        RoleEntry { public: true, ..RoleEntry::default() }
    }
}

/// A role as a play's `roles:` names it: a name, or a mapping of `role:` (or `name:`), the
/// keywords it hands down, and its parameters (every other key).
pub(crate) fn from_play(node: &Node, reader: &mut TaskListReader) -> Result<Vec<Task>, Diag> {
    if let Some(name) = node.as_str() {
        return load(name, &node.span, Inherited::default(), &RoleEntry::in_play(), reader);
    }
    let mut fields = Fields::new(node, "role key")?;
    let name_node = fields.take(&["role", "name"]).ok_or_else(|| {
        Diag::invalid(&node.span, "a role entry names its role").with_help("`- role: NAME`")
    })?;
    let name = name_node.expect_str("a role name")?;
    let mut inherited = Inherited::take(&mut fields)?;
    // Every other key is a parameter of the role, above its own vars.
    for (key, value) in fields.rest() {
        let key = key.expect_str("a parameter name")?;
        if key == "allow_duplicates" {
            continue;
        }
        inherited.vars.0.insert(key.to_string(), crate::vars::VarValue::Written(value.clone()));
    }
    load(name, &name_node.span, inherited, &RoleEntry::in_play(), reader)
}

/// Reads a role's steps (its dependencies' first) and adds its handlers to the reader's. A role
/// already read in this phase with the same parameters adds nothing, as in Ansible, unless its
/// `meta/` says `allow_duplicates: true`.
pub(crate) fn load(
    name: &str,
    span: &Span,
    inherited: Inherited,
    entry: &RoleEntry,
    reader: &mut TaskListReader,
) -> Result<Vec<Task>, Diag> {
    let dir = reader.roles.find(name, span)?;
    let canonical = dir.canonicalize().unwrap_or_else(|_| dir.clone());
    if reader.role_chain.contains(&canonical) {
        let chain: Vec<String> =
            reader.role_chain.iter().map(|p| p.display().to_string()).collect();
        return Err(Diag::invalid(
            span,
            format!("role `{name}` depends on itself (through {})", chain.join(" → ")),
        ));
    }
    let meta = read_list_or_map(&dir, "meta", None)?;
    let allow_duplicates = meta
        .as_ref()
        .and_then(|m| m.get("allow_duplicates"))
        .is_some_and(|v| matches!(v.kind, NodeKind::Bool(true)));
    let identity = format!("{} {:?} {:?}", canonical.display(), inherited.vars, entry.tasks_from);
    if !allow_duplicates && !entry.dynamic && reader.roles_seen.contains(&identity) {
        return Ok(Vec::new());
    }
    if !entry.dynamic {
        reader.roles_seen.push(identity);
    }

    reader.role_chain.push(canonical);
    let mut steps = Vec::new();
    let dependencies = meta.as_ref().and_then(|m| m.get("dependencies"));
    if let Some(dependencies) = dependencies.filter(|d| !matches!(d.kind, NodeKind::Null)) {
        for dependency in dependencies.expect_seq("a list of roles")? {
            steps.extend(from_play(dependency, reader)?);
        }
    }
    let defaults = vars_of(&dir, "defaults", entry.defaults_from.as_deref())?;
    let mut vars = vars_of(&dir, "vars", entry.vars_from.as_deref())?;
    // As in Ansible (`private_role_vars` off): every step of the phase sees each role's defaults
    // and vars, a role's own steps see its own over the others'.
    if entry.public {
        reader.exposed_defaults.extend(defaults.clone());
        reader.exposed_vars.extend(vars.clone());
    }
    vars.insert_value("role_name", name.rsplit('/').next().unwrap_or(name).into());
    vars.insert_value("role_path", dir.display().to_string().into());
    let context = Arc::new(RoleContext {
        name: name.to_string(),
        defaults: Arc::new(defaults),
        vars: Arc::new(vars),
        dir: dir.clone(),
    });
    let own = |list: Option<Node>,
               handlers: bool,
               reader: &mut TaskListReader|
     -> Result<Vec<Task>, Diag> {
        let Some(list) = list else { return Ok(Vec::new()) };
        let folder = dir.join(if handlers { "handlers" } else { "tasks" });
        let mut steps = task_list::parse(&list, handlers, &folder, reader)?;
        for step in &mut steps {
            step.role.get_or_insert_with(|| Arc::clone(&context));
        }
        Ok(steps)
    };
    let tasks = read_list_or_map(&dir, "tasks", entry.tasks_from.as_deref())?;
    steps.extend(own(tasks, false, reader)?);
    // A role's handlers join the phase once, however often the role is read.
    let handlers_identity = format!("{HANDLERS}{} {:?}", dir.display(), entry.handlers_from);
    if !reader.roles_seen.contains(&handlers_identity) {
        let handlers = read_list_or_map(&dir, "handlers", entry.handlers_from.as_deref())?;
        let handlers = own(handlers, true, reader)?;
        reader.handlers.extend(handlers);
        reader.roles_seen.push(handlers_identity);
    }
    reader.role_chain.pop();
    steps.iter_mut().for_each(|step| inherited.apply(step));
    Ok(steps)
}

/// `FOLDER/NAME.yml` (or `.yaml`, or no extension) of a role; `NAME` is `main` unless given. A
/// named file that is not there is an error; a missing `main` is an empty part.
fn read_list_or_map(dir: &Path, folder: &str, name: Option<&str>) -> Result<Option<Node>, Diag> {
    let base = dir.join(folder).join(name.unwrap_or("main"));
    let candidates = ["yml", "yaml"].map(|ext| base.with_extension(ext));
    let found = candidates.iter().chain([&base]).find(|p| p.is_file());
    match (found, name) {
        (Some(path), _) => yaml::load_file(path).map(Some),
        (None, None) => Ok(None),
        (None, Some(name)) => Err(Diag::new(
            crate::diag::DiagKind::Invalid(format!(
                "role {}: no {folder} file `{name}` (looked for {}.yml, .yaml and no extension)",
                dir.display(),
                base.display()
            )),
            None,
        )),
    }
}

fn vars_of(dir: &Path, folder: &str, name: Option<&str>) -> Result<VarMap, Diag> {
    read_list_or_map(dir, folder, name)?
        .map(|n| VarMap::from_node(&n))
        .transpose()
        .map(Option::unwrap_or_default)
}

/// An `import_role` (its steps read here, where it stands) or an `include_role` (a step the
/// engine runs, reading the role when a host reaches it); either way the role's handlers join
/// the phase's now, so what its steps notify is known before the run. An `include_role` whose
/// name or files are templated is read only when reached.
pub(crate) fn read_role(node: &Node, reader: &mut TaskListReader) -> Result<Vec<Task>, Diag> {
    let Some(arguments) = node.get("include_role") else { return import_role(node, reader) };
    let step = task_list::include_step(node, false)?;
    let (name, entry) = entry_of(arguments, true)?;
    let written = [Some(name.scalar_text()), entry.tasks_from.clone(), entry.vars_from.clone()]
        .into_iter()
        .chain([entry.defaults_from.clone(), entry.handlers_from.clone()]);
    if !written.flatten().any(|text| crate::yaml::is_template(&text)) {
        // Read now for its handlers (and its mistakes); its steps are read again when reached,
        // so reading it here must not count its dependencies as run, nor share their variables.
        let seen = reader.roles_seen.clone();
        let defaults = reader.exposed_defaults.clone();
        let vars = reader.exposed_vars.clone();
        load(&name.scalar_text(), &name.span, Inherited::default(), &entry, reader)?;
        let handlers_read = reader.roles_seen.split_off(seen.len());
        reader.roles_seen = seen;
        reader.roles_seen.extend(handlers_read.into_iter().filter(|s| s.starts_with(HANDLERS)));
        reader.exposed_defaults = defaults;
        reader.exposed_vars = vars;
    }
    Ok(vec![step])
}

/// `import_role`: a role's steps read where the task stands, its handlers the phase's.
fn import_role(node: &Node, reader: &mut TaskListReader) -> Result<Vec<Task>, Diag> {
    let mut fields = Fields::new(node, "import_role key")?;
    let target = fields.take(&["import_role"]).expect("an import");
    let (name, entry) = entry_of(target, false)?;
    let inherited = Inherited::take(&mut fields)?;
    fields.finish(&[INHERITED_KEYS, &["import_role"]].concat())?;
    load(name.expect_str("a role name")?, &name.span, inherited, &entry, reader)
}

/// The arguments of `import_role` or `include_role`: the role's name and which files to read.
pub(crate) fn entry_of(arguments: &Node, include: bool) -> Result<(&Node, RoleEntry), Diag> {
    let what = if include { "include_role argument" } else { "import_role argument" };
    let mut arguments = Fields::new(arguments, what)?;
    let name = arguments.require("name")?;
    let mut entry = RoleEntry {
        tasks_from: arguments.get("tasks_from")?,
        vars_from: arguments.get("vars_from")?,
        defaults_from: arguments.get("defaults_from")?,
        handlers_from: arguments.get("handlers_from")?,
        dynamic: include,
        public: !include,
    };
    arguments.get::<bool>("allow_duplicates")?;
    let mut known = vec![
        "name",
        "tasks_from",
        "vars_from",
        "defaults_from",
        "handlers_from",
        "allow_duplicates",
    ];
    if include {
        arguments.take(&["apply"]);
        entry.public = arguments.get::<bool>("public")?.unwrap_or(false);
        known.extend(["apply", "public"]);
    }
    arguments.finish(&known)?;
    Ok((name, entry))
}
