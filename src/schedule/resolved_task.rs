//! A step resolved: the module its call names, and its arguments in one mapping. Resolving every
//! step of a playbook before anything runs is what makes a mistyped module or argument an error
//! of the playbook, not of a host.

use super::free_form;
use crate::diag::{Diag, DiagKind, Span, did_you_mean};
use crate::model::Task;
use crate::model::task::{ModuleCall, STEP_KEYS};
use crate::modules::{self, ModuleSpec};
use crate::yaml::{Node, NodeKind};

/// A step with its module resolved.
#[derive(Debug)]
pub struct ResolvedTask<'a> {
    pub step: &'a Task,
    pub module: &'static ModuleSpec,
    /// Where the module is named, for errors of its arguments.
    pub module_span: Span,
    /// Arguments as written, in one mapping; rendered per host (and per loop item) at run time.
    pub args: Node,
}

impl<'a> ResolvedTask<'a> {
    /// Resolves a step's module and checks its arguments as far as they are known before a run
    /// (Jinja strings may stand for any type).
    pub fn resolve(step: &'a Task) -> Result<ResolvedTask<'a>, Diag> {
        let (module, call) = module_call(step)?;
        let args = normalize_args(module, &call.value, step.extra_args.as_ref())?;
        (module.decode_arguments)(&args, true)?;
        Ok(ResolvedTask { step, module, module_span: call.span.clone(), args })
    }
}

/// Finds the one key that names a module among those the step keys left.
fn module_call(step: &Task) -> Result<(&'static ModuleSpec, &ModuleCall), Diag> {
    let mut found: Option<(&'static ModuleSpec, &ModuleCall)> = None;
    for call in &step.calls {
        let name = call.name.as_str();
        let Some(spec) = modules::lookup(name) else {
            let candidates = STEP_KEYS.iter().copied().chain(modules::names());
            return Err(Diag::at(
                &call.span,
                DiagKind::UnknownKey {
                    what: "step key or module",
                    key: name.into(),
                    did_you_mean: did_you_mean(name, candidates),
                },
            ));
        };
        if let Some((first, first_call)) = found {
            return Err(Diag::invalid(
                &call.span,
                format!(
                    "a step runs one module, but this one names `{}` (at {}) and `{}`",
                    first.name, first_call.span, spec.name
                ),
            ));
        }
        found = Some((spec, call));
    }
    found.ok_or_else(|| {
        Diag::invalid(&step.span, "this step names no module")
            .with_help("a step names one module (`copy: {...}`); `numarun doc` lists them")
    })
}

/// Turns `command: ls -l` into `{cmd: "ls -l"}`, `file: path=/x state=touch` into a mapping,
/// and folds in the `args:` key.
fn normalize_args(spec: &ModuleSpec, value: &Node, extra: Option<&Node>) -> Result<Node, Diag> {
    let mut entries = match &value.kind {
        NodeKind::Null => Vec::new(),
        NodeKind::Map(entries) => entries.clone(),
        NodeKind::Str(text) => match spec.free_form {
            Some(free_form) => free_form::command(value, text, free_form),
            None => free_form::key_values(value, text)?,
        },
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
