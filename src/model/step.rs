//! A step (Ansible's task): one module call plus the keys that steer it.

use crate::diag::{Diag, DiagKind, Span, did_you_mean};
use crate::modules::{self, ModuleSpec};
use crate::vars::VarMap;
use crate::yaml::{Fields, Node, NodeKind};

#[derive(Debug)]
pub struct Step {
    pub name: Option<String>,
    pub span: Span,
    pub module: &'static ModuleSpec,
    pub module_span: Span,
    /// Arguments as written; rendered per host (and per loop item) at run time.
    pub args: Node,
    pub when: Vec<Node>,
    pub loop_items: Option<Node>,
    pub loop_var: String,
    pub loop_label: Option<Node>,
    pub register: Option<String>,
    pub notify: Vec<String>,
    pub listen: Vec<String>,
    pub escalate: Option<bool>,
    pub become_user: Option<String>,
    pub tags: Vec<String>,
    pub changed_when: Option<Vec<Node>>,
    pub failed_when: Option<Vec<Node>>,
    pub until: Option<Node>,
    pub retries: Option<u32>,
    pub delay: Option<f64>,
    pub no_log: bool,
    pub check_mode: Option<bool>,
    pub ignore_errors: bool,
    pub vars: VarMap,
    /// Environment mappings, the phase's first: a later one's key wins, as in Ansible.
    pub environment: Vec<Node>,
}

/// Every key a step may carry besides its module.
pub const STEP_KEYS: &[&str] = &[
    "name",
    "when",
    "loop",
    "with_items",
    "loop_control",
    "register",
    "notify",
    "listen",
    "become",
    "become_user",
    "tags",
    "changed_when",
    "failed_when",
    "until",
    "retries",
    "delay",
    "no_log",
    "check_mode",
    "ignore_errors",
    "vars",
    "args",
    "environment",
];

impl Step {
    /// What the step is called in output: its name, else its module.
    pub fn title(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.module.name.to_string())
    }

    pub fn parse(node: &Node, is_handler: bool) -> Result<Step, Diag> {
        let mut fields = Fields::new(node, "step key")?;
        let name = fields.get::<String>("name")?;
        let when = fields.take(&["when"]).map(conditions).unwrap_or_default();
        let loop_items = fields.take(&["loop", "with_items"]).cloned();
        let (loop_var, loop_label) = match fields.take(&["loop_control"]) {
            Some(control) => loop_control(control)?,
            None => ("item".to_string(), None),
        };
        let register = fields.get::<String>("register")?;
        if let Some(register) = register.as_ref().filter(|r| !crate::vars::is_identifier(r)) {
            return Err(Diag::invalid(&fields.node().span, format!("`register: {register}` is not a valid variable name")));
        }
        let notify = fields.take(&["notify"]).map(|n| names(n, false)).transpose()?.unwrap_or_default();
        let listen = fields.take(&["listen"]).map(|n| names(n, false)).transpose()?.unwrap_or_default();
        if !is_handler && !listen.is_empty() {
            return Err(Diag::invalid(&node.span, "`listen` belongs on handlers"));
        }
        let tags = fields.take(&["tags"]).map(|n| names(n, true)).transpose()?.unwrap_or_default();
        let step_vars = fields.take(&["vars"]).map(VarMap::from_node).transpose()?.unwrap_or_default();
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

        let (module, module_span, args) = module_call(&fields, extra_args)?;
        let step = Step {
            name,
            span: node.span.clone(),
            module,
            module_span,
            args,
            when,
            loop_items,
            loop_var,
            loop_label,
            register,
            notify,
            listen,
            escalate,
            become_user,
            tags,
            changed_when,
            failed_when,
            until,
            retries,
            delay,
            no_log,
            check_mode,
            ignore_errors,
            vars: step_vars,
            environment,
        };
        // Catch unknown or mistyped arguments before any host is touched.
        (module.build)(&step.args, true)?;
        Ok(step)
    }
}

/// Finds the one key that names a module among those the step keys left.
fn module_call(fields: &Fields, extra_args: Option<Node>) -> Result<(&'static ModuleSpec, Span, Node), Diag> {
    let mut found: Option<(&'static ModuleSpec, &Node, &Node)> = None;
    for (key, value) in fields.rest() {
        let name = key.as_str().unwrap_or_default();
        let Some(spec) = modules::lookup(name) else {
            let candidates = STEP_KEYS.iter().copied().chain(modules::names());
            return Err(Diag::at(
                &key.span,
                DiagKind::UnknownKey { what: "step key or module", key: name.into(), did_you_mean: did_you_mean(name, candidates) },
            ));
        };
        if let Some((first, first_key, _)) = found {
            return Err(Diag::invalid(
                &key.span,
                format!("a step runs one module, but this one names `{}` (at {}) and `{}`", first.name, first_key.span, spec.name),
            ));
        }
        found = Some((spec, key, value));
    }
    let (spec, key, value) = found.ok_or_else(|| {
        Diag::invalid(&fields.node().span, "this step names no module")
            .with_help(format!("modules: {}", modules::names().collect::<Vec<_>>().join(", ")))
    })?;
    let args = normalize_args(spec, value, extra_args)?;
    Ok((spec, key.span.clone(), args))
}

/// Turns `command: ls -l` into `{cmd: "ls -l"}` and folds in the `args:` key.
fn normalize_args(spec: &ModuleSpec, value: &Node, extra: Option<Node>) -> Result<Node, Diag> {
    let mut entries = match &value.kind {
        NodeKind::Null => Vec::new(),
        NodeKind::Map(entries) => entries.clone(),
        NodeKind::Str(_) if spec.free_form.is_some() => {
            let key = Node::new(NodeKind::Str(spec.free_form.unwrap_or_default().into()), value.span.clone());
            vec![(key, value.clone())]
        }
        _ => return Err(value.wrong_type(&format!("the arguments of `{}` (a mapping)", spec.name))),
    };
    if let Some(extra) = extra {
        for (k, v) in extra.expect_map("`args`")? {
            if !entries.iter().any(|(e, _)| e.as_str() == k.as_str()) {
                entries.push((k.clone(), v.clone()));
            }
        }
    }
    Ok(Node::new(NodeKind::Map(entries), value.span.clone()))
}

/// `when:` and friends: one condition or a list that must all hold.
fn conditions(node: &Node) -> Vec<Node> {
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
        NodeKind::Seq(items) => items.iter().map(one).collect::<Result<Vec<_>, _>>().map(|v| v.concat()),
        _ => one(node),
    }
}

pub(crate) fn tags_of(node: &Node) -> Result<Vec<String>, Diag> {
    names(node, true)
}

fn loop_control(node: &Node) -> Result<(String, Option<Node>), Diag> {
    let mut fields = Fields::new(node, "loop_control key")?;
    let loop_var = fields.get::<String>("loop_var")?.unwrap_or_else(|| "item".into());
    let label = fields.take(&["label"]).cloned();
    fields.finish(&["loop_var", "label"])?;
    Ok((loop_var, label))
}
