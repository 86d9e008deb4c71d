//! A list of tasks as Ansible writes one: steps, `block`s of steps (with `rescue` and `always`),
//! and `import_tasks` of a file holding such a list. Blocks and imports are static, so they are
//! read once and flattened into the steps they hold, each step taking on the keywords of the
//! blocks and imports around it and marked with its place in each block (`BlockPlace`).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::role_search::RoleSearch;
use super::task::{BlockPart, BlockPlace, Task, tags_of};
use crate::diag::Diag;
use crate::vars::VarMap;
use crate::yaml::{self, Fields, Node, NodeKind};

/// The keywords a block or an import hands down to every step in it.
pub const INHERITED_KEYS: &[&str] = &[
    "name",
    "when",
    "tags",
    "become",
    "become_user",
    "become_method",
    "vars",
    "environment",
    "no_log",
    "ignore_errors",
    "ignore_unreachable",
    "check_mode",
];

/// What a block, an import or a role entry hands down: its conditions and tags are added to each
/// step's, its other keywords fill in what the step does not say itself.
#[derive(Default)]
pub struct Inherited {
    when: Vec<Node>,
    tags: Vec<String>,
    escalate: Option<bool>,
    become_user: Option<String>,
    pub(crate) vars: VarMap,
    environment: Option<Node>,
    no_log: bool,
    ignore_errors: bool,
    ignore_unreachable: bool,
    check_mode: Option<bool>,
}

/// What reading a phase's task lists carries along: the files being imported (to refuse a file
/// that imports itself), where roles are found, the roles read so far, and their handlers.
pub(crate) struct TaskListReader {
    chain: Vec<PathBuf>,
    pub(crate) roles: RoleSearch,
    /// The roles being read, to refuse a dependency cycle.
    pub(crate) role_chain: Vec<PathBuf>,
    /// Roles already read in this phase (folder and parameters): each runs once.
    pub(crate) roles_seen: Vec<String>,
    /// The handlers of the roles read, for the phase's handlers.
    pub(crate) handlers: Vec<Task>,
    /// The defaults and the vars of every role read, in order, for every step of the phase.
    pub(crate) exposed_defaults: VarMap,
    pub(crate) exposed_vars: VarMap,
    /// Reads an `import_role` or `include_role` entry (the roles' own file, which reads task
    /// lists with this).
    pub(crate) read_role: ReadRole,
}

/// How a task list's `import_role` or `include_role` entry becomes steps.
pub(crate) type ReadRole = fn(&Node, &mut TaskListReader) -> Result<Vec<Task>, Diag>;

impl TaskListReader {
    pub(crate) fn new(roles: RoleSearch, read_role: ReadRole) -> TaskListReader {
        TaskListReader {
            chain: Vec::new(),
            roles,
            role_chain: Vec::new(),
            roles_seen: Vec::new(),
            handlers: Vec::new(),
            exposed_defaults: VarMap::default(),
            exposed_vars: VarMap::default(),
            read_role,
        }
    }
}

impl Inherited {
    pub(crate) fn take(fields: &mut Fields) -> Result<Inherited, Diag> {
        fields.get::<String>("name")?;
        Ok(Inherited {
            when: fields.take(&["when"]).map(super::task::conditions).unwrap_or_default(),
            tags: fields.take(&["tags"]).map(tags_of).transpose()?.unwrap_or_default(),
            escalate: fields.get::<bool>("become")?,
            become_user: fields.get::<String>("become_user")?,
            vars: {
                let mut vars =
                    fields.take(&["vars"]).map(VarMap::from_node).transpose()?.unwrap_or_default();
                super::become_method::into_vars(fields, &mut vars)?;
                vars
            },
            environment: fields.take(&["environment"]).cloned(),
            no_log: fields.get::<bool>("no_log")?.unwrap_or(false),
            ignore_errors: fields.get::<bool>("ignore_errors")?.unwrap_or(false),
            ignore_unreachable: fields.get::<bool>("ignore_unreachable")?.unwrap_or(false),
            check_mode: fields.get::<bool>("check_mode")?,
        })
    }

    /// Hands the keywords down to a step inside: the outer conditions are checked first, the
    /// step's own word wins where both speak. `no_log` and `ignore_errors` are on when either
    /// side turns them on (a step cannot turn off an outer `no_log`: a secret stays hidden).
    pub(crate) fn apply(&self, step: &mut Task) {
        step.when.splice(0..0, self.when.iter().cloned());
        for tag in &self.tags {
            if !step.tags.contains(tag) {
                step.tags.push(tag.clone());
            }
        }
        step.escalate = step.escalate.or(self.escalate);
        if step.become_user.is_none() {
            step.become_user.clone_from(&self.become_user);
        }
        let mut vars = self.vars.clone();
        vars.extend(std::mem::take(&mut step.vars));
        step.vars = vars;
        if let Some(environment) = &self.environment {
            step.environment.insert(0, environment.clone());
        }
        step.no_log |= self.no_log;
        step.ignore_errors |= self.ignore_errors;
        step.ignore_unreachable |= self.ignore_unreachable;
        step.check_mode = step.check_mode.or(self.check_mode);
    }
}

/// Reads a list of tasks written in the file whose folder is `dir`.
pub(crate) fn parse(
    list: &Node,
    handlers: bool,
    dir: &Path,
    reader: &mut TaskListReader,
) -> Result<Vec<Task>, Diag> {
    if matches!(list.kind, NodeKind::Null) {
        return Ok(Vec::new());
    }
    let mut steps = Vec::new();
    for entry in list.expect_seq("a list of steps")? {
        if entry.get("block").is_some() {
            steps.extend(block(entry, handlers, dir, reader)?);
        } else if entry.get("import_tasks").is_some() {
            steps.extend(import(entry, handlers, dir, reader)?);
        } else if entry.get("import_role").is_some() || entry.get("include_role").is_some() {
            steps.extend((reader.read_role)(entry, reader)?);
        } else if let Some(include) = entry.get("include") {
            return Err(Diag::invalid(&include.span, "`include` was removed from Ansible (2.16)")
                .with_help("`include_tasks` reads a task file when it is reached, `import_tasks` when the playbook is loaded"));
        } else if entry.get("include_tasks").is_some() {
            steps.push(include_step(entry, handlers)?);
        } else {
            steps.push(Task::parse(entry, handlers)?);
        }
    }
    Ok(steps)
}

/// The keywords an `include_tasks` or `include_role` takes, as ansible-core's `TaskInclude`
/// does: the others (`become`, `environment` …) go under its `apply:`, for the steps it includes.
const INCLUDE_KEYS: &[&str] = &[
    "include_tasks",
    "ansible.builtin.include_tasks",
    "include_role",
    "ansible.builtin.include_role",
    "args",
    "ignore_errors",
    "loop",
    "loop_control",
    "name",
    "no_log",
    "register",
    "tags",
    "vars",
    "when",
];

/// An `include_tasks` or `include_role`: a step the engine runs by reading what it names.
pub(crate) fn include_step(entry: &Node, handlers: bool) -> Result<Task, Diag> {
    let kind = if entry.get("include_role").is_some() { "include_role" } else { "include_tasks" };
    for (key, _) in entry.expect_map("an include")? {
        let word = key.scalar_text();
        if !INCLUDE_KEYS.contains(&word.as_str()) && !word.starts_with("with_") {
            return Err(Diag::invalid(&key.span, format!("`{word}` is not a keyword of `{kind}`"))
                .with_help("keywords for the included steps go under its `apply:`"));
        }
    }
    Task::parse(entry, handlers)
}

/// Gives every block of a run its own id.
static BLOCKS: AtomicUsize = AtomicUsize::new(0);

/// A block's steps: its body, then its rescue, then its always part, each step marked with its
/// place so that the engine can run the parts as Ansible does.
fn block(
    node: &Node,
    handlers: bool,
    dir: &Path,
    reader: &mut TaskListReader,
) -> Result<Vec<Task>, Diag> {
    let mut fields = Fields::new(node, "block key")?;
    let id = BLOCKS.fetch_add(1, Ordering::Relaxed);
    let mut steps = Vec::new();
    for (key, part) in
        [("block", BlockPart::Body), ("rescue", BlockPart::Rescue), ("always", BlockPart::Always)]
    {
        let Some(list) = fields.take(&[key]) else { continue };
        if handlers && part != BlockPart::Body {
            return Err(Diag::invalid(&list.span, format!("`{key}` is not supported in handlers"))
                .with_help("a block in the tasks can rescue; a handler's steps run in order"));
        }
        let mut part_steps = parse(list, handlers, dir, reader)?;
        for step in &mut part_steps {
            step.blocks.insert(0, BlockPlace { id, part });
        }
        steps.extend(part_steps);
    }
    let inherited = Inherited::take(&mut fields)?;
    fields.finish(&[INHERITED_KEYS, &["block", "rescue", "always"]].concat())?;
    steps.iter_mut().for_each(|step| inherited.apply(step));
    Ok(steps)
}

fn import(
    node: &Node,
    handlers: bool,
    dir: &Path,
    reader: &mut TaskListReader,
) -> Result<Vec<Task>, Diag> {
    let mut fields = Fields::new(node, "import_tasks key")?;
    let target = fields.take(&["import_tasks"]).expect("an import");
    let path = dir.join(target.expect_str("a task file's path")?);
    if !path.is_file() {
        return Err(Diag::invalid(&target.span, format!("no task file at {}", path.display()))
            .with_help("the path is taken from the folder of the file that imports it"));
    }
    let canonical =
        path.canonicalize().map_err(|e| crate::file_error::FileError::read(&path, e))?;
    if reader.chain.contains(&canonical) {
        return Err(Diag::invalid(
            &target.span,
            format!("{} imports itself (through {})", path.display(), shown(&reader.chain)),
        ));
    }
    let inherited = Inherited::take(&mut fields)?;
    fields.finish(&[INHERITED_KEYS, &["import_tasks"]].concat())?;
    let list = yaml::load_file(&path)?;
    reader.chain.push(canonical);
    let folder = path.parent().unwrap_or(Path::new("."));
    let mut steps = parse(&list, handlers, folder, reader)?;
    reader.chain.pop();
    steps.iter_mut().for_each(|step| inherited.apply(step));
    Ok(steps)
}

fn shown(chain: &[PathBuf]) -> String {
    chain.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" → ")
}
