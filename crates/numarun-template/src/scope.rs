//! The variables a template sees on one host at one step. Variables written
//! with Jinja are rendered when first read, in the scope that reads them, as
//! Ansible does; an error inside one is reported where that variable was written.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use minijinja::ErrorKind;
use minijinja::value::{Enumerator, Object, ObjectRepr, Value};

use super::backslashes;
use super::convert::{node_to_value, value_to_node};
use super::lookups::SELF;
use super::syntax::Whitespace;
use super::templater::{OMIT, Templater, sole_expression};
use crate::diag::{Diag, DiagKind, Source, Span};
use crate::vars::{VarMap, VarValue};
use crate::yaml::{Node, NodeKind, is_template};

/// The variables a template sees on one host, lowest precedence first.
pub struct Scope {
    /// Lowest precedence first.
    layers: Vec<Arc<VarMap>>,
    templater: Arc<Templater>,
    state: Mutex<Lazy>,
}

#[derive(Default)]
struct Lazy {
    cache: HashMap<String, Value>,
    resolving: Vec<String>,
    /// The first error met while rendering a variable on demand; minijinja's
    /// lookups cannot fail, so it waits here for the template that asked.
    failure: Option<Diag>,
}

impl fmt::Debug for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope").field("layers", &self.layers.len()).finish()
    }
}

impl Scope {
    /// A scope of these layers.
    pub fn new(templater: Arc<Templater>, layers: Vec<Arc<VarMap>>) -> Arc<Scope> {
        Arc::new(Scope { layers, templater, state: Mutex::new(Lazy::default()) })
    }

    /// This scope with one more layer on top.
    pub fn with(self: &Arc<Self>, layer: VarMap) -> Arc<Scope> {
        if layer.is_empty() {
            return Arc::clone(self);
        }
        let mut layers = self.layers.clone();
        layers.push(Arc::new(layer));
        Scope::new(Arc::clone(&self.templater), layers)
    }

    /// The templater it renders with.
    pub fn templater(&self) -> &Templater {
        &self.templater
    }

    fn context(self: &Arc<Self>) -> Value {
        Value::from_dyn_object(Arc::clone(self))
    }

    fn definition(&self, name: &str) -> Option<&VarValue> {
        self.layers.iter().rev().find_map(|layer| layer.get(name))
    }

    /// Whether a variable is defined.
    pub fn contains(&self, name: &str) -> bool {
        self.definition(name).is_some()
    }

    /// A variable's value, rendered if it was written with Jinja.
    pub fn get(self: &Arc<Self>, name: &str) -> Result<Option<Value>, Diag> {
        let value = self.resolve(name);
        match self.state.lock().expect("scope lock").failure.take() {
            Some(diag) => Err(diag),
            None => Ok(value),
        }
    }

    fn resolve(self: &Arc<Self>, name: &str) -> Option<Value> {
        let node = match self.definition(name)? {
            VarValue::Computed(value) => return Some(value.clone()),
            VarValue::Written(node) => node,
        };
        {
            let mut state = self.state.lock().expect("scope lock");
            if let Some(value) = state.cache.get(name) {
                return Some(value.clone());
            }
            if state.resolving.iter().any(|n| n == name) {
                let chain = state.resolving.join(" → ");
                state.failure.get_or_insert_with(|| {
                    Diag::invalid(
                        &node.span,
                        format!("variable `{name}` refers to itself ({chain} → {name})"),
                    )
                });
                return None;
            }
            state.resolving.push(name.to_string());
        }
        let rendered = self.render_value(node);
        let mut state = self.state.lock().expect("scope lock");
        state.resolving.retain(|n| n != name);
        match rendered {
            Ok(value) => {
                state.cache.insert(name.to_string(), value.clone());
                Some(value)
            }
            Err(diag) => {
                state.failure.get_or_insert(diag);
                None
            }
        }
    }

    /// Renders every Jinja string in a tree; `omit` drops a mapping entry.
    pub fn render(self: &Arc<Self>, node: &Node) -> Result<Node, Diag> {
        let kind = match &node.kind {
            NodeKind::Str(s) if is_template(s) => {
                return Ok(value_to_node(&self.render_str(s, &node.span)?, &node.span));
            }
            NodeKind::Seq(items) => {
                NodeKind::Seq(items.iter().map(|n| self.render(n)).collect::<Result<_, _>>()?)
            }
            NodeKind::Map(entries) => {
                let mut rendered = Vec::with_capacity(entries.len());
                for (key, value) in entries {
                    let value = self.render(value)?;
                    if value.as_str() != Some(OMIT) {
                        rendered.push((self.render(key)?, value));
                    }
                }
                NodeKind::Map(rendered)
            }
            _ => return Ok(node.clone()),
        };
        Ok(Node::new(kind, node.span.clone()))
    }

    /// Renders a value, keeping its type when it is one `{{ expression }}`.
    pub fn render_value(self: &Arc<Self>, node: &Node) -> Result<Value, Diag> {
        Ok(node_to_value(&self.render(node)?))
    }

    /// A string with Jinja: a lone `{{ expr }}` keeps its value's type, anything else is text.
    pub fn render_str(self: &Arc<Self>, text: &str, span: &Span) -> Result<Value, Diag> {
        match sole_expression(text) {
            Some(expr) => self.eval(&backslashes::in_expression(expr), span),
            None => self
                .templater
                .render("<string>", &backslashes::in_template(text), &self.context())
                .map(Value::from)
                .map_err(|e| self.error(e, text, false, span)),
        }
    }

    /// Evaluates an expression (`when:`, `debug: var:`).
    pub fn eval(self: &Arc<Self>, expr: &str, span: &Span) -> Result<Value, Diag> {
        let value = self
            .templater
            .eval(expr, &self.context())
            .map_err(|e| self.error(e, expr, true, span))?;
        if value.is_undefined() {
            return Err(self.error(
                minijinja::Error::new(ErrorKind::UndefinedError, "undefined value"),
                expr,
                true,
                span,
            ));
        }
        Ok(value)
    }

    /// A `when:`-style condition: a boolean, a bare expression, or a template.
    pub fn condition(self: &Arc<Self>, node: &Node) -> Result<bool, Diag> {
        match &node.kind {
            NodeKind::Bool(b) => Ok(*b),
            NodeKind::Null => Ok(false),
            NodeKind::Int(i) => Ok(*i != 0),
            NodeKind::Str(s) if is_template(s) => {
                let value = self.render_str(s, &node.span)?;
                Ok(match value.as_str() {
                    Some(text) => matches!(
                        text.trim().to_ascii_lowercase().as_str(),
                        "true" | "yes" | "1" | "on"
                    ),
                    None => value.is_true(),
                })
            }
            NodeKind::Str(s) => Ok(self.eval(s, &node.span)?.is_true()),
            _ => Err(node.wrong_type("a condition (an expression or a boolean)")),
        }
    }

    /// Renders a template file; errors point into that file.
    pub fn render_file(
        self: &Arc<Self>,
        name: &str,
        text: &str,
        whitespace: Whitespace,
    ) -> Result<String, Diag> {
        self.templater.render_file(name, text, &self.context(), whitespace).map_err(|e| {
            let source = Source::new(name, text);
            let span = match (e.range(), e.line()) {
                (Some(range), _) => Span::new(&source, range.start, range.end),
                (None, Some(line)) => {
                    let start: usize =
                        text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
                    Span::new(
                        &source,
                        start,
                        start + text[start..].find('\n').unwrap_or(text.len() - start),
                    )
                }
                _ => Span::new(&source, 0, 0),
            };
            self.error(e, text, false, &span)
        })
    }

    fn error(
        self: &Arc<Self>,
        err: minijinja::Error,
        source: &str,
        expression: bool,
        span: &Span,
    ) -> Diag {
        if let Some(inner) = self.state.lock().expect("scope lock").failure.take() {
            return inner;
        }
        if err.kind() == ErrorKind::UndefinedError {
            // Only a name on the failing line: elsewhere it may sit behind `is defined`.
            let line = line_of(source, span);
            let missing =
                self.templater.free_variables(source, expression).into_iter().find(|name| {
                    !self.contains(name)
                        && !GLOBALS.contains(&name.as_str())
                        && line.contains(name.as_str())
                });
            if let Some(name) = missing {
                return Diag::at(span, DiagKind::UndefinedVariable(name));
            }
        }
        let detail = err
            .detail()
            .map(|d| format!("{}: {d}", err.kind()))
            .unwrap_or_else(|| err.kind().to_string());
        Diag::at(span, DiagKind::Template(detail))
    }
}

/// The line of `source` the span starts on, when the span points into it (a template file);
/// all of it otherwise (an expression, whose span is the YAML value holding it).
fn line_of<'s>(source: &'s str, span: &Span) -> &'s str {
    if span.source.text != source || span.start > source.len() {
        return source;
    }
    let start = source[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let end = source[span.start..].find('\n').map_or(source.len(), |i| span.start + i);
    &source[start..end]
}

/// Names the template engine defines itself.
const GLOBALS: &[&str] = &[
    "omit",
    "lookup",
    "range",
    "dict",
    "namespace",
    "loop",
    "true",
    "false",
    "none",
    "True",
    "False",
    "None",
];

impl Object for Scope {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            SELF => Some(self.context()),
            name => self.resolve(name),
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let mut names: Vec<&String> = self.layers.iter().flat_map(|l| l.0.keys()).collect();
        names.sort();
        names.dedup();
        Enumerator::Values(names.into_iter().map(|n| Value::from(n.as_str())).collect())
    }
}
