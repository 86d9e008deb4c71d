//! A playbook: phases (Ansible's plays) in order, with `import:` entries
//! pulling in phase files that are themselves playbooks.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::prompt::Prompt;
use super::role;
use super::role_search::RoleSearch;
use super::rollout::{ROLLOUT_KEYS, Rollout};
use super::task::{Task, tags_of};
use super::task_list::{self, TaskListReader};
use crate::diag::{Diag, Span};
use crate::file_error::FileError;
use crate::vars::VarMap;
use crate::yaml::{self, Fields, Node, NodeKind};

/// A phase (Ansible's play): hosts, variables, steps and handlers.
#[derive(Debug)]
pub struct Play {
    pub(crate) name: String,
    pub(crate) hosts: String,
    pub(crate) hosts_span: Span,
    pub(crate) tags: Vec<String>,
    pub(crate) vars: VarMap,
    pub(crate) steps: Vec<Task>,
    pub(crate) handlers: Vec<Task>,
    pub(crate) escalate: Option<bool>,
    pub(crate) become_user: Option<String>,
    /// The folder of the file that defines the phase: relative `src:` paths start here.
    pub(crate) dir: PathBuf,
    /// Below the inventory: the play's connection keywords (`connection`, `remote_user`, `port`)
    /// and the defaults of its roles; above the phase's own variables, its roles' vars. Every step
    /// of the phase sees both, as in Ansible.
    pub(crate) under_inventory: Arc<VarMap>,
    pub(crate) role_vars: Arc<VarMap>,
    /// Where its roles are found: an included task file may import one.
    pub(crate) roles: RoleSearch,
    /// `serial`, `max_fail_percentage`, `any_errors_fatal`.
    pub(crate) rollout: Rollout,
    /// `force_handlers`: a failed host still runs the handlers it notified.
    pub(crate) force_handlers: Option<bool>,
    /// `vars_prompt`: asked before the run, answers set as the phase's variables.
    pub(crate) prompts: Vec<Prompt>,
    /// The roles the phase read (each runs once), for the roles an `include_role` reads later.
    pub(crate) roles_seen: Vec<String>,
}

/// What the configuration says about reading playbooks.
#[derive(Debug, Default, Clone)]
pub struct LoadSettings {
    /// `roles_path`: where roles are looked for after `roles/` beside the playbook (Ansible's
    /// default path when `None`).
    pub roles_path: Option<Vec<PathBuf>>,
    /// `gathering`: whether a play without `gather_facts` gathers.
    pub gathering: Gathering,
}

/// Ansible's `gathering` setting.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Gathering {
    /// `implicit` and `smart` (numarun gathers once per host per run either way): a play
    /// gathers unless `gather_facts: false`.
    #[default]
    Implicit,
    /// `explicit`: only a play with `gather_facts: true` gathers.
    Explicit,
}

/// A playbook: its phases, imports followed.
#[derive(Debug)]
pub struct Playbook {
    pub(crate) path: PathBuf,
    pub(crate) phases: Vec<Play>,
}

/// The keys a play may have, besides `ROLLOUT_KEYS`.
pub const PHASE_KEYS: &[&str] = &[
    "name",
    "hosts",
    "tags",
    "vars",
    "vars_files",
    "steps",
    "tasks",
    "pre_tasks",
    "roles",
    "post_tasks",
    "handlers",
    "become",
    "become_user",
    "gather_facts",
    "gather_subset",
    "gather_timeout",
    "connection",
    "remote_user",
    "port",
    "environment",
    "force_handlers",
    "vars_prompt",
    "become_method",
];
/// The keys of an `import_playbook` entry.
pub const IMPORT_KEYS: &[&str] = &["import", "import_playbook", "tags", "name"];

impl Playbook {
    /// Reads a playbook file and every file it imports, with Ansible's default settings.
    pub fn load(path: &Path) -> Result<Playbook, Diag> {
        Playbook::load_with(path, &LoadSettings::default())
    }

    /// Reads a playbook file and every file it imports, as the configuration says.
    pub fn load_with(path: &Path, settings: &LoadSettings) -> Result<Playbook, Diag> {
        let mut phases = Vec::new();
        load_into(path, &[], &mut vec![], &mut phases, settings)?;
        Ok(Playbook { path: path.to_path_buf(), phases })
    }

    /// Every phase's `vars_prompt`, answered by `answer` (a prompt answered `None` is left
    /// unset, as one `-e` already sets); the answers become the phase's variables.
    pub fn answer_prompts(
        &mut self,
        mut answer: impl FnMut(&Prompt) -> Result<Option<String>, Diag>,
    ) -> Result<(), Diag> {
        for phase in &mut self.phases {
            for prompt in phase.prompts.clone() {
                if let Some(value) = answer(&prompt)? {
                    phase.vars.insert_value(&prompt.name, value.into());
                }
            }
        }
        Ok(())
    }

    /// The folder the playbook is in (relative paths start there).
    pub fn dir(&self) -> &Path {
        // `play.yaml`'s parent is the empty path, which no one can open: it means `.`.
        self.path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
    }
}

fn load_into(
    path: &Path,
    inherited_tags: &[String],
    chain: &mut Vec<PathBuf>,
    phases: &mut Vec<Play>,
    settings: &LoadSettings,
) -> Result<(), Diag> {
    let canonical = path.canonicalize().map_err(|e| FileError::read(path, e))?;
    let root = yaml::load_file(path)?;
    if chain.contains(&canonical) {
        return Err(Diag::invalid(
            &root.span,
            format!(
                "{} imports itself (through {})",
                path.display(),
                chain.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" → ")
            ),
        ));
    }
    chain.push(canonical);
    let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    // As ansible-playbook: a file with nothing in it, or an empty list, is a mistake, not a run
    // that does nothing and says it went well.
    let entries = match &root.kind {
        NodeKind::Null => {
            return Err(Diag::invalid(&root.span, "empty playbook, nothing to do")
                .with_help("a playbook is a list of phases (plays): `- hosts: …`"));
        }
        _ => root.expect_seq("a playbook (a list of phases)")?,
    };
    if entries.is_empty() {
        return Err(Diag::invalid(&root.span, "a playbook must contain at least one phase (play)"));
    }
    for entry in entries {
        if entry.get("import").or_else(|| entry.get("import_playbook")).is_some() {
            let mut fields = Fields::new(entry, "import key")?;
            let target = fields.take(&["import", "import_playbook"]).expect("import key");
            let file = dir.join(target.expect_str("a playbook path")?);
            let mut tags = inherited_tags.to_vec();
            tags.extend(fields.take(&["tags"]).map(tags_of).transpose()?.unwrap_or_default());
            fields.take(&["name"]);
            fields.finish(IMPORT_KEYS)?;
            if !file.is_file() {
                return Err(Diag::invalid(
                    &target.span,
                    format!("no playbook at {}", file.display()),
                ));
            }
            load_into(&file, &tags, chain, phases, settings)?;
        } else {
            let roles = RoleSearch::new(&dir, settings.roles_path.as_deref());
            let reader = TaskListReader::new(roles, role::read_role);
            phases.push(parse_phase(entry, inherited_tags, &dir, reader, settings.gathering)?);
        }
    }
    chain.pop();
    Ok(())
}

fn parse_phase(
    node: &Node,
    inherited_tags: &[String],
    dir: &Path,
    mut reader: TaskListReader,
    gathering: Gathering,
) -> Result<Play, Diag> {
    let mut fields = Fields::new(node, "phase key")?;
    let hosts_node = fields.require("hosts")?;
    let hosts = hosts_node.expect_str("a host pattern")?.to_string();
    let name = fields.get::<String>("name")?.unwrap_or_else(|| hosts.clone());
    let mut tags = inherited_tags.to_vec();
    tags.extend(fields.take(&["tags"]).map(tags_of).transpose()?.unwrap_or_default());
    let mut vars = fields.take(&["vars"]).map(VarMap::from_node).transpose()?.unwrap_or_default();
    if let Some(files) = fields.take(&["vars_files"]) {
        for file in files.expect_seq("`vars_files`")? {
            let path = dir.join(file.expect_str("a file path")?);
            if !path.is_file() {
                return Err(Diag::invalid(
                    &file.span,
                    format!("no vars file at {}", path.display()),
                ));
            }
            vars.extend(VarMap::from_node(&yaml::load_file(&path)?)?);
        }
    }
    // As in Ansible: pre_tasks, the roles, the tasks, post_tasks.
    let mut steps = Vec::new();
    for key in ["pre_tasks", "roles", "steps", "tasks", "post_tasks"] {
        let Some(list) = fields.take(&[key]) else { continue };
        if key == "roles" {
            if !matches!(list.kind, NodeKind::Null) {
                for role in list.expect_seq("a list of roles")? {
                    steps.extend(role::from_play(role, &mut reader)?);
                }
            }
        } else {
            steps.extend(task_list::parse(list, false, dir, &mut reader)?);
        }
    }
    let own_handlers = fields
        .take(&["handlers"])
        .map(|l| task_list::parse(l, true, dir, &mut reader))
        .transpose()?
        .unwrap_or_default();
    let mut handlers = std::mem::take(&mut reader.handlers);
    handlers.extend(own_handlers);
    if let Some(environment) = fields.take(&["environment"]) {
        for step in steps.iter_mut().chain(handlers.iter_mut()) {
            step.environment.insert(0, environment.clone());
        }
    }
    let escalate = fields.get::<bool>("become")?;
    let become_user = fields.get::<String>("become_user")?;
    // The play's connection keywords are the defaults of the variables they stand for: the
    // inventory's own `ansible_connection`, `ansible_user` or `ansible_port` wins, as in Ansible.
    let mut keyword_defaults = VarMap::default();
    for (keyword, variable) in [
        ("connection", "ansible_connection"),
        ("remote_user", "ansible_user"),
        ("port", "ansible_port"),
        ("become_method", "ansible_become_method"),
    ] {
        if let Some(value) = fields.take(&[keyword]) {
            if keyword == "become_method" {
                super::become_method::check(&value.scalar_text(), &value.span)?;
            }
            keyword_defaults
                .0
                .insert(variable.into(), crate::vars::VarValue::Written(value.clone()));
        }
    }
    let mut under_inventory = keyword_defaults;
    under_inventory.extend(std::mem::take(&mut reader.exposed_defaults));
    // numarun gathers no facts implicitly: `host_facts` is an explicit step.
    // As in Ansible, a play gathers facts first unless told not to; the engine skips a host
    // whose facts an earlier play gathered (Ansible's `gathering = smart`).
    if fields.get::<bool>("gather_facts")?.unwrap_or(gathering != Gathering::Explicit) {
        let subset = fields.take(&["gather_subset"]);
        steps.insert(0, gathering_facts(subset)?);
    }
    fields.take(&["gather_subset"]);
    fields.get::<u64>("gather_timeout")?;
    let rollout = Rollout::take(&mut fields)?;
    let force_handlers = fields.get::<bool>("force_handlers")?;
    let prompts = fields.take(&["vars_prompt"]).map(Prompt::list).transpose()?.unwrap_or_default();
    fields.finish(&[PHASE_KEYS, ROLLOUT_KEYS].concat())?;
    check_notifications(&steps, &handlers)?;
    Ok(Play {
        name,
        hosts,
        hosts_span: hosts_node.span.clone(),
        tags,
        vars,
        steps,
        handlers,
        escalate,
        become_user,
        dir: dir.to_path_buf(),
        under_inventory: Arc::new(under_inventory),
        role_vars: Arc::new(reader.exposed_vars),
        roles_seen: reader.roles_seen,
        roles: reader.roles,
        rollout,
        force_handlers,
        prompts,
    })
}

/// The play's own "Gathering Facts" step: `setup`, tagged `always`, with the play's
/// `gather_subset`.
fn gathering_facts(subset: Option<&Node>) -> Result<Task, Diag> {
    let source = crate::diag::Source::new(
        "(gather_facts)",
        "name: Gathering Facts\nsetup: {}\ntags: [always]\n",
    );
    let node = yaml::load_str(source)?;
    let mut step = Task::parse(&node, false)?;
    step.implicit_facts = true;
    if let (Some(subset), Some(call)) = (subset, step.calls.first_mut()) {
        let key = Node::new(NodeKind::Str("gather_subset".into()), subset.span.clone());
        call.value = Node::new(NodeKind::Map(vec![(key, subset.clone())]), call.value.span.clone());
    }
    Ok(step)
}

/// Every `notify` must reach a handler of the phase, by name or `listen`.
fn check_notifications(steps: &[Task], handlers: &[Task]) -> Result<(), Diag> {
    let known: Vec<&str> =
        handlers.iter().flat_map(|h| h.name.iter().chain(&h.listen)).map(String::as_str).collect();
    for step in steps.iter().chain(handlers) {
        if let Some(missing) = step.notify.iter().find(|n| !known.contains(&n.as_str())) {
            let hint = crate::diag::did_you_mean(missing, known.iter().copied())
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            return Err(Diag::invalid(
                &step.span,
                format!(
                    "notifies `{missing}`, but no handler of this phase has that name or listens for it{hint}"
                ),
            ));
        }
    }
    Ok(())
}
