//! `numarun doc`: the list of modules, one line each, and a module's page — its arguments
//! (type, required, default, choices, aliases), what `--check` and `--diff` do with it, what it
//! registers, and an example — read from its argument types and its `ModuleDoc`.

use std::fmt::Write;

use serde_json::Value;

use super::arguments;
use crate::modules::registry::{self, ModuleSpec};

/// Every module, one line each.
pub fn list() -> String {
    let width = registry::all().map(|m| m.name.len()).max().unwrap_or(0);
    let mut text = String::new();
    for spec in registry::all() {
        let _ = writeln!(text, "{:width$}  {}", spec.name, spec.doc.summary);
    }
    text
}

/// One module's page.
pub fn page(spec: &ModuleSpec) -> String {
    let doc = spec.doc;
    let schema = arguments::as_typed(spec);
    let mut text = format!("{} — {}\n\nARGUMENTS\n", spec.name, doc.summary);
    let required: Vec<&str> =
        schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    match schema["properties"].as_object() {
        Some(properties) if !properties.is_empty() => {
            for (name, property) in properties {
                let _ = writeln!(
                    text,
                    "  {name}  ({})",
                    facts(property, required.contains(&name.as_str()))
                );
                if let Some(description) = property["description"].as_str() {
                    for line in description.lines() {
                        let _ = writeln!(text, "      {line}");
                    }
                }
            }
        }
        _ => text.push_str("  any name: a variable, set to the value given\n"),
    }
    if let Some(free_form) = spec.free_form {
        let _ = writeln!(text, "  (a string alone is `{free_form}`)");
    }
    let _ = write!(
        text,
        "\nCHECK MODE\n  {}\n\nDIFF\n  {}\n\nRETURNS\n  changed, failed, skipped, msg",
        doc.check_mode.describe(),
        if doc.diff { "--diff shows its changes" } else { "nothing to show" },
    );
    if doc.returns.is_empty() {
        text.push('\n');
    } else {
        text.push_str(", and:\n");
        let width = doc.returns.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
        for (name, meaning) in doc.returns {
            let _ = writeln!(text, "  {name:width$}  {meaning}");
        }
    }
    let _ = writeln!(text, "\nEXAMPLE\n  {}", doc.example.replace('\n', "\n  "));
    text
}

/// An argument in a few words: its type, whether it is required, its default and aliases.
fn facts(property: &Value, required: bool) -> String {
    let mut facts = vec![type_words(property)];
    if required {
        facts.push("required".into());
    }
    if let Some(default) = property.get("default").filter(|d| !d.is_null()) {
        facts.push(format!("default: {}", scalar(default)));
    }
    if let Some(aliases) = property["x-aliases"].as_array() {
        let names: Vec<&str> = aliases.iter().filter_map(Value::as_str).collect();
        facts.push(format!("aliases: {}", names.join(", ")));
    }
    facts.join("; ")
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `string`, `integer`, `one of: a, b`, `string or list of string` …
fn type_words(schema: &Value) -> String {
    if let Some(choices) = schema["enum"].as_array() {
        let names: Vec<String> = choices.iter().filter(|c| !c.is_null()).map(scalar).collect();
        return format!("one of: {}", names.join(", "));
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(alternatives) = schema[key].as_array() {
            let words: Vec<String> =
                alternatives.iter().filter(|a| a["type"] != "null").map(type_words).collect();
            return words.join(" or ");
        }
    }
    let named = |t: &str| match t {
        "array" => format!("list of {}", type_words(&schema["items"])),
        "object" => "mapping".to_string(),
        "number" => "number".to_string(),
        other => other.to_string(),
    };
    match &schema["type"] {
        Value::String(t) => named(t),
        Value::Array(types) => types
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .map(named)
            .collect::<Vec<_>>()
            .join(" or "),
        _ => "any".to_string(),
    }
}
