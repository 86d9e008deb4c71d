//! A step (Ansible's task): one module call plus the keys that steer it.

use super::delegation::Delegation;
use crate::diag::{Diag, Span};
use crate::vars::VarMap;
use crate::yaml::{Fields, Node, NodeKind};

/// A key of a step that is not a step key: the module it calls, as written. Which module that
/// is, and whether its arguments fit, the schedule decides (`schedule::Task`).
#[derive(Debug, Clone)]
pub struct ModuleCall {
    /// The key: `copy`, `ansible.builtin.copy`, or a typo of a step key.
    pub(crate) name: String,
    pub(crate) span: Span,
    /// Its value: a mapping of arguments, a free-form string, or nothing.
    pub(crate) value: Node,
}

/// The collections whose modules numarun answers to by their short name.
pub const COLLECTIONS: &[&str] =
    &["ansible.builtin.", "ansible.legacy.", "ansible.posix.", "community.general."];

/// A module's short name: `ansible.builtin.copy` is `copy`.
pub fn short_module_name(name: &str) -> &str {
    COLLECTIONS.iter().find_map(|p| name.strip_prefix(p)).unwrap_or(name)
}

/// A step as written.
#[derive(Debug)]
pub struct Task {
    pub(crate) name: Option<String>,
    pub(crate) span: Span,
    /// Every key that is not a step key; a usable step has exactly one, naming a module.
    pub(crate) calls: Vec<ModuleCall>,
    /// The `args:` key: arguments added to the module's own.
    pub(crate) extra_args: Option<Node>,
    pub(crate) when: Vec<Node>,
    pub(crate) loop_items: Option<Node>,
    /// How the loop's value becomes its items: `loop`, or one of Ansible's `with_*` lookups.
    pub(crate) loop_kind: LoopKind,
    pub(crate) loop_control: LoopControl,
    pub(crate) register: Option<String>,
    pub(crate) notify: Vec<String>,
    pub(crate) listen: Vec<String>,
    pub(crate) escalate: Option<bool>,
    pub(crate) become_user: Option<String>,
    pub(crate) tags: Vec<String>,
    /// The tags written on the step itself, before blocks and imports add theirs: an
    /// `include_tasks`' own tags select the include, not the steps it includes.
    pub(crate) own_tags: Vec<String>,
    /// `delegate_to`, `run_once`.
    pub(crate) delegation: Delegation,
    pub(crate) changed_when: Option<Vec<Node>>,
    pub(crate) failed_when: Option<Vec<Node>>,
    pub(crate) until: Option<Node>,
    pub(crate) retries: Option<u32>,
    pub(crate) delay: Option<f64>,
    pub(crate) no_log: bool,
    pub(crate) check_mode: Option<bool>,
    pub(crate) ignore_errors: bool,
    /// An unreachable result (a lost connection, an unreachable delegate) is counted ignored and
    /// the host goes on.
    pub(crate) ignore_unreachable: bool,
    pub(crate) vars: VarMap,
    /// Environment mappings, the phase's first: a later one's key wins, as in Ansible.
    pub(crate) environment: Vec<Node>,
    /// The blocks the step is in, the outermost first, and which part of each.
    pub(crate) blocks: Vec<BlockPlace>,
    /// The role the step is written in, if any: its variables and folder.
    pub(crate) role: Option<std::sync::Arc<super::role_context::RoleContext>>,
    /// The play's own fact gathering, not written by the user: skipped on a host whose facts
    /// an earlier play gathered.
    pub(crate) implicit_facts: bool,
}

/// How a loop's value becomes its items, as Ansible's `loop` and `with_*` lookups make them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopKind {
    /// `loop` and `with_list`: the list as it is.
    List,
    /// `with_items`: the list, lists in it flattened one level.
    Items,
    /// `with_dict`: a mapping's entries as `{key, value}`, in its order.
    Dict,
    /// `with_together`: lists side by side, the shorter padded with nothing.
    Together,
    /// `with_sequence`: numbers from `start`/`end`/`count`/`stride`, formatted by `format`.
    Sequence,
    /// `with_subelements`: `[list, key]`: each element with each item of its `key` list.
    Subelements,
    /// `with_nested`: every combination of the lists' items.
    Nested,
    /// `with_fileglob`: the files on this machine that match the patterns.
    Fileglob,
}

impl LoopKind {
    /// The step keys that loop, and how each makes its items.
    pub const KEYS: &[(&str, LoopKind)] = &[
        ("loop", LoopKind::List),
        ("with_list", LoopKind::List),
        ("with_items", LoopKind::Items),
        ("with_dict", LoopKind::Dict),
        ("with_together", LoopKind::Together),
        ("with_sequence", LoopKind::Sequence),
        ("with_subelements", LoopKind::Subelements),
        ("with_nested", LoopKind::Nested),
        ("with_fileglob", LoopKind::Fileglob),
    ];
}

/// Where a step sits in a block: which block (an id unique in the run) and which part of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockPlace {
    pub(crate) id: usize,
    pub(crate) part: BlockPart,
}

/// The three parts of an Ansible block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockPart {
    /// `block:` the steps themselves.
    Body,
    /// `rescue:` run on a host where a step of the body failed, which it then no longer is.
    Rescue,
    /// `always:` run after the body (and rescue) whatever happened, unless unreachable.
    Always,
}

/// Every key a step may carry besides its module.
pub const STEP_KEYS: &[&str] = &[
    "name",
    "when",
    "loop",
    "with_items",
    "with_list",
    "with_dict",
    "with_together",
    "with_sequence",
    "with_subelements",
    "with_nested",
    "with_fileglob",
    "loop_control",
    "register",
    "notify",
    "listen",
    "become",
    "become_user",
    "become_method",
    "tags",
    "changed_when",
    "failed_when",
    "until",
    "retries",
    "delay",
    "no_log",
    "check_mode",
    "ignore_errors",
    "ignore_unreachable",
    "vars",
    "args",
    "environment",
    "delegate_to",
    "delegate_facts",
    "run_once",
    "local_action",
];

impl Task {
    /// What the step is called in output: its name, else its module; in a role, after the
    /// role's name, as Ansible shows it (`web : install nginx`).
    pub fn title(&self) -> String {
        match &self.role {
            Some(role) => format!("{} : {}", role.name, self.own_title()),
            None => self.own_title(),
        }
    }

    /// The step's name, else its module: what `ansible_failed_task.name` says.
    pub fn own_title(&self) -> String {
        let module =
            self.calls.first().map(|call| short_module_name(&call.name)).unwrap_or_default();
        self.name.clone().unwrap_or_else(|| module.to_string())
    }

    /// A step from its mapping; `is_handler` allows `listen`.
    pub fn parse(node: &Node, is_handler: bool) -> Result<Task, Diag> {
        let mut fields = Fields::new(node, "step key")?;
        let name = fields.get::<String>("name")?;
        let when = fields.take(&["when"]).map(conditions).unwrap_or_default();
        let mut loops = LoopKind::KEYS
            .iter()
            .filter_map(|(key, kind)| fields.node().get(key).map(|_| (*key, *kind)));
        let (loop_items, loop_kind) = match (loops.next(), loops.next()) {
            (Some(_), Some((second, _))) => {
                let at = &fields.node().get(second).expect("present").span;
                return Err(Diag::invalid(at, format!("`{second}`: a step has one loop"))
                    .with_help("keep `loop` (or one `with_*`) and drop the others"));
            }
            (Some((key, kind)), None) => (fields.take(&[key]).cloned(), kind),
            (None, _) => (None, LoopKind::List),
        };
        let loop_control = match fields.take(&["loop_control"]) {
            Some(control) => LoopControl::from_node(control)?,
            None => LoopControl::default(),
        };
        let register = fields.get::<String>("register")?;
        if let Some(register) = register.as_ref().filter(|r| !crate::vars::is_identifier(r)) {
            return Err(Diag::invalid(
                &fields.node().span,
                format!("`register: {register}` is not a valid variable name"),
            ));
        }
        let notify =
            fields.take(&["notify"]).map(|n| names(n, false)).transpose()?.unwrap_or_default();
        let listen =
            fields.take(&["listen"]).map(|n| names(n, false)).transpose()?.unwrap_or_default();
        if !is_handler && !listen.is_empty() {
            return Err(Diag::invalid(&node.span, "`listen` belongs on handlers"));
        }
        let tags = fields.take(&["tags"]).map(|n| names(n, true)).transpose()?.unwrap_or_default();
        let mut step_vars =
            fields.take(&["vars"]).map(VarMap::from_node).transpose()?.unwrap_or_default();
        super::become_method::into_vars(&mut fields, &mut step_vars)?;
        let extra_args = fields.take(&["args"]).cloned();
        let environment = fields.take(&["environment"]).cloned().into_iter().collect();
        let changed_when = fields.take(&["changed_when"]).map(conditions);
        let failed_when = fields.take(&["failed_when"]).map(conditions);
        let until = fields.take(&["until"]).cloned();
        let retries = fields.get::<u32>("retries")?;
        let delay = fields.get::<f64>("delay")?;
        let escalate = fields.get::<bool>("become")?;
        let become_user = fields.get::<String>("become_user")?;
        let no_log = fields.get::<bool>("no_log")?.unwrap_or(false);
        let check_mode = fields.get::<bool>("check_mode")?;
        let ignore_errors = fields.get::<bool>("ignore_errors")?.unwrap_or(false);
        let ignore_unreachable = fields.get::<bool>("ignore_unreachable")?.unwrap_or(false);
        let mut delegation = Delegation::take(&mut fields)?;
        let local_action = fields.take(&["local_action"]).map(local_action).transpose()?;
        if local_action.is_some() {
            let localhost = Node::new(NodeKind::Str("localhost".into()), node.span.clone());
            delegation.to = Some(localhost);
        }

        let calls = fields
            .rest()
            .map(|(key, value)| ModuleCall {
                name: key.as_str().unwrap_or_default().to_string(),
                span: key.span.clone(),
                value: value.clone(),
            })
            .chain(local_action)
            .collect();
        let step = Task {
            name,
            span: node.span.clone(),
            calls,
            extra_args,
            when,
            loop_items,
            loop_kind,
            loop_control,
            register,
            notify,
            listen,
            escalate,
            become_user,
            own_tags: tags.clone(),
            delegation,
            tags,
            changed_when,
            failed_when,
            until,
            retries,
            delay,
            no_log,
            check_mode,
            ignore_errors,
            ignore_unreachable,
            vars: step_vars,
            environment,
            blocks: Vec::new(),
            role: None,
            implicit_facts: false,
        };
        Ok(step)
    }
}

/// `local_action: {module: copy, dest: …}` or `local_action: command echo hi`: the module it
/// names, with the rest as its arguments.
fn local_action(node: &Node) -> Result<ModuleCall, Diag> {
    let call = |name: &str, value: NodeKind| ModuleCall {
        name: name.to_string(),
        span: node.span.clone(),
        value: Node::new(value, node.span.clone()),
    };
    match &node.kind {
        NodeKind::Map(entries) => {
            let module = entries.iter().find(|(k, _)| k.as_str() == Some("module"));
            let Some((_, name)) = module else {
                return Err(Diag::invalid(&node.span, "`local_action` names no `module`"));
            };
            let rest = entries.iter().filter(|(k, _)| k.as_str() != Some("module")).cloned();
            Ok(call(name.expect_str("a module name")?, NodeKind::Map(rest.collect())))
        }
        NodeKind::Str(text) => {
            let (name, args) = text.trim().split_once(' ').unwrap_or((text.trim(), ""));
            Ok(call(name, NodeKind::Str(args.trim().to_string())))
        }
        _ => Err(node.wrong_type("`local_action` (a module and its arguments)")),
    }
}

/// `when:` and friends: one condition or a list that must all hold.
pub(crate) fn conditions(node: &Node) -> Vec<Node> {
    match &node.kind {
        NodeKind::Seq(items) => items.clone(),
        _ => vec![node.clone()],
    }
}

/// A name or a list of names; tags may also be written `a,b`.
fn names(node: &Node, comma_separated: bool) -> Result<Vec<String>, Diag> {
    let one = |n: &Node| -> Result<Vec<String>, Diag> {
        let s = n.expect_str("a name")?;
        Ok(if comma_separated {
            s.split(',').map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect()
        } else {
            vec![s.to_string()]
        })
    };
    match &node.kind {
        NodeKind::Seq(items) => {
            items.iter().map(one).collect::<Result<Vec<_>, _>>().map(|v| v.concat())
        }
        _ => one(node),
    }
}

pub(crate) fn tags_of(node: &Node) -> Result<Vec<String>, Diag> {
    names(node, true)
}

/// `loop_control`: how a loop names its item, labels it, counts it and paces it.
#[derive(Debug)]
pub struct LoopControl {
    /// The item's variable (`loop_var`, `item` by default).
    pub(crate) var: String,
    /// What a result shows of the item (`label`).
    pub(crate) label: Option<Node>,
    /// A variable holding the item's index from 0 (`index_var`).
    pub(crate) index_var: Option<String>,
    /// `ansible_loop` with the item's place in the loop (`extended`).
    pub(crate) extended: bool,
    /// Seconds to wait between items (`pause`).
    pub(crate) pause: Option<f64>,
}

impl Default for LoopControl {
    fn default() -> LoopControl {
        LoopControl {
            var: "item".into(),
            label: None,
            index_var: None,
            extended: false,
            pause: None,
        }
    }
}

impl LoopControl {
    fn from_node(node: &Node) -> Result<LoopControl, Diag> {
        let mut fields = Fields::new(node, "loop_control key")?;
        let control = LoopControl {
            var: fields.get::<String>("loop_var")?.unwrap_or_else(|| "item".into()),
            label: fields.take(&["label"]).cloned(),
            index_var: fields.get::<String>("index_var")?,
            extended: fields.get::<bool>("extended")?.unwrap_or(false),
            pause: fields.get::<f64>("pause")?,
        };
        // Accepted: numarun always keeps `ansible_loop.allitems` with `extended`.
        let _ = fields.get::<bool>("extended_allitems")?;
        fields.finish(&[
            "loop_var",
            "label",
            "index_var",
            "extended",
            "extended_allitems",
            "pause",
        ])?;
        Ok(control)
    }
}
