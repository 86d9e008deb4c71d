//! Ansible's Jinja tests (`x is version('2.0', '>=')`, `result is failed`, `path is file`)
//! that minijinja lacks or spells differently.

use minijinja::value::{Kwargs, Value, ValueKind};
use minijinja::{Environment, Error};
use regex::Regex;

use super::filter_error::invalid;
use super::version::compare_versions;

pub fn register(env: &mut Environment<'static>) {
    env.add_test("search", |value: String, pattern: String| {
        Regex::new(&pattern).map(|re| re.is_match(&value)).map_err(|e| invalid(e.to_string()))
    });
    env.add_test("match", |value: String, pattern: String| {
        Regex::new(&format!("^(?:{pattern})"))
            .map(|re| re.is_match(&value))
            .map_err(|e| invalid(e.to_string()))
    });
    env.add_test("regex", |value: String, pattern: String| {
        Regex::new(&pattern).map(|re| re.is_match(&value)).map_err(|e| invalid(e.to_string()))
    });
    for (name, field, wanted) in [
        ("succeeded", "failed", false),
        ("success", "failed", false),
        ("successful", "failed", false),
        ("failed", "failed", true),
        ("failure", "failed", true),
        ("changed", "changed", true),
        ("change", "changed", true),
        ("skipped", "skipped", true),
        ("skip", "skipped", true),
    ] {
        env.add_test(name, move |result: Value| {
            result
                .get_attr(field)
                .map(|v| v.is_true() == wanted)
                .unwrap_or(!wanted && field == "failed")
        });
    }
    env.add_test("version", version);
    env.add_test("version_compare", version);
    env.add_test("subset", |a: Value, b: Value| every_in(&a, &b));
    env.add_test("issubset", |a: Value, b: Value| every_in(&a, &b));
    env.add_test("superset", |a: Value, b: Value| every_in(&b, &a));
    env.add_test("issuperset", |a: Value, b: Value| every_in(&b, &a));
    env.add_test("contains", |seq: Value, item: Value| {
        Ok::<_, Error>(seq.try_iter()?.any(|v| v == item))
    });
    env.add_test("truthy", |v: Value| v.is_true());
    env.add_test("falsy", |v: Value| !v.is_true());
    // Paths on the controller, as Ansible's tests see them.
    let path = |p: String| std::path::PathBuf::from(p);
    env.add_test("exists", move |p: String| path(p).exists());
    env.add_test("file", move |p: String| path(p).is_file());
    env.add_test("directory", move |p: String| path(p).is_dir());
    env.add_test("link", move |p: String| path(p).is_symlink());
    env.add_test("abs", move |p: String| path(p).is_absolute());
}

/// Whether every item of `a` is in `b`.
fn every_in(a: &Value, b: &Value) -> Result<bool, Error> {
    let b: Vec<Value> = b.try_iter()?.collect();
    let mut items = a.try_iter()?;
    Ok(items.all(|item| b.contains(&item)))
}

/// `version(other, operator='eq', strict=False, version_type='loose')`.
fn version(
    value: Value,
    other: Value,
    operator: Option<String>,
    kwargs: Kwargs,
) -> Result<bool, Error> {
    let strict = kwargs.get::<Option<bool>>("strict")?.unwrap_or(false);
    let kind = kwargs.get::<Option<String>>("version_type")?;
    let operator = kwargs.get::<Option<String>>("operator")?.or(operator);
    kwargs.assert_all_used()?;
    let kind = match (kind.as_deref(), strict) {
        (None, false) | (Some("loose"), _) => "loose",
        (None, true) | (Some("strict"), _) => "strict",
        (Some(other), _) => other,
    };
    let text = |v: &Value| match v.kind() {
        ValueKind::String => v.as_str().unwrap_or_default().to_string(),
        _ => v.to_string(),
    };
    let ordering =
        compare_versions(&text(&value), &text(&other), kind).map_err(|e| invalid(e.to_string()))?;
    use std::cmp::Ordering::*;
    Ok(match operator.as_deref().unwrap_or("eq") {
        "==" | "=" | "eq" => ordering == Equal,
        "!=" | "<>" | "ne" => ordering != Equal,
        "<" | "lt" => ordering == Less,
        "<=" | "le" => ordering != Greater,
        ">" | "gt" => ordering == Greater,
        ">=" | "ge" => ordering != Less,
        other => {
            return Err(invalid(format!(
                "version: unknown operator `{other}` (==, !=, <, <=, >, >=, eq, ne, lt, le, gt, ge)"
            )));
        }
    })
}
