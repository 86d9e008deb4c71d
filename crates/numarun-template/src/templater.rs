//! The Jinja environment: minijinja set up as Ansible's templating behaves (strict undefined
//! variables, trimmed blocks, kept trailing newlines, Python's string methods, `omit`).

use std::sync::Arc;

use minijinja::{Environment, UndefinedBehavior, Value};

use super::syntax::{Whitespace, ansible_syntax};
use super::{ansible_tests, digest_filters, filters, list_filters, lookups, path_filters};
use crate::redact::Redactor;

/// What `default(omit)` renders to; an argument holding it is dropped.
pub const OMIT: &str = "__numarun_omit_place_holder__";

/// The Jinja environment, set up as Ansible's.
pub struct Templater {
    env: Environment<'static>,
}

impl Default for Templater {
    fn default() -> Self {
        Templater::new()
    }
}

impl Templater {
    /// A templater with no secrets to learn.
    pub fn new() -> Templater {
        Templater::with_secrets(Arc::default())
    }

    /// `secrets` learns every value passed through the `secret` filter.
    pub fn with_secrets(secrets: Arc<Redactor>) -> Templater {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        // Strings and template files alike: blocks eat their newline, and the text keeps as many
        // newlines at its end as its source had (`render`), as ansible-core renders both
        // (checked in tests/ansible_parity.rs and tests/ansible_modules.rs).
        env.set_syntax(ansible_syntax());
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_global("omit", OMIT);
        filters::register(&mut env);
        path_filters::register(&mut env);
        list_filters::register(&mut env);
        digest_filters::register(&mut env);
        ansible_tests::register(&mut env);
        lookups::register(&mut env, Arc::clone(&secrets));
        // `{{ lookup('env', 'TOKEN') | secret }}`: redacted everywhere from then on.
        env.add_filter("secret", move |value: Value| {
            secrets.add_value(&value);
            value
        });
        Templater { env }
    }

    /// Renders a template file (the `template` module's) to text, its whitespace read as
    /// `whitespace` says.
    pub fn render_file(
        &self,
        name: &str,
        source: &str,
        ctx: &Value,
        whitespace: Whitespace,
    ) -> Result<String, minijinja::Error> {
        if whitespace == Whitespace::default() {
            return self.render(name, source, ctx);
        }
        let mut env = self.env.clone();
        env.set_syntax(whitespace.syntax());
        let text = env.template_from_named_str(name, source)?.render(ctx)?;
        Ok(with_trailing_newlines(source, text))
    }

    /// Renders a string of a playbook or inventory to text.
    pub fn render(
        &self,
        name: &str,
        source: &str,
        ctx: &Value,
    ) -> Result<String, minijinja::Error> {
        let text = self.env.template_from_named_str(name, source)?.render(ctx)?;
        Ok(with_trailing_newlines(source, text))
    }

    /// Evaluates a bare expression such as a `when:` condition.
    pub fn eval(&self, expr: &str, ctx: &Value) -> Result<Value, minijinja::Error> {
        self.env.compile_expression(expr)?.eval(ctx)
    }

    /// Names a template uses without defining them, to name the undefined one in errors.
    pub fn free_variables(&self, source: &str, expression: bool) -> Vec<String> {
        let mut names: Vec<String> = if expression {
            self.env
                .compile_expression(source)
                .map(|e| e.undeclared_variables(false).into_iter().collect())
                .unwrap_or_default()
        } else {
            self.env
                .template_from_str(source)
                .map(|t| t.undeclared_variables(false).into_iter().collect())
                .unwrap_or_default()
        };
        names.sort();
        names
    }
}

/// The single `{{ expr }}` a string consists of, whose value keeps its type
/// (a list stays a list), as Ansible's native templating does.
pub fn sole_expression(s: &str) -> Option<&str> {
    let inner = s.strip_prefix("{{")?.strip_suffix("}}")?;
    (!inner.contains("{{") && !inner.contains("}}") && !inner.contains("{%"))
        .then_some(inner.trim())
}

/// Jinja drops the source's last newline and a block may eat one before it; ansible-core puts
/// back as many as the source ended with.
fn with_trailing_newlines(source: &str, mut text: String) -> String {
    let wanted = trailing_newlines(source);
    let had = trailing_newlines(&text);
    text.extend(std::iter::repeat_n('\n', wanted.saturating_sub(had)));
    text
}

/// How many newlines a text ends with.
fn trailing_newlines(text: &str) -> usize {
    text.len() - text.trim_end_matches('\n').len()
}
