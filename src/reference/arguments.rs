//! A module's arguments as a JSON Schema, from the types its arguments decode into, made to
//! describe what a playbook may write: each alias a name of its own, and a Jinja template
//! wherever a value goes (it is checked once rendered).

use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use crate::modules::registry::ModuleSpec;

/// The schema of a module's arguments, every type inlined, as its types say (aliases under
/// `x-aliases`, no templates).
pub fn as_typed(spec: &ModuleSpec) -> Value {
    let mut generator = SchemaSettings::draft2020_12()
        .with(|s| {
            s.inline_subschemas = true;
            s.meta_schema = None;
        })
        .into_generator();
    let mut schema = (spec.arguments)(&mut generator).to_value();
    if let Some(map) = schema.as_object_mut() {
        map.remove("title");
        map.remove("$defs");
    }
    schema
}

/// The schema of a module's arguments as a playbook may write them.
pub fn as_written(spec: &ModuleSpec) -> Value {
    let mut schema = as_typed(spec);
    for_playbooks(&mut schema);
    schema
}

/// A `{{ … }}` or `{% … %}` string, which stands for a value of any type until it is rendered.
fn template() -> Value {
    json!({ "type": "string", "pattern": "\\{\\{|\\{%" })
}

/// Whether a schema already takes any string, so a template needs no place of its own.
fn takes_any_string(schema: &Value) -> bool {
    let plain = |s: &Value| {
        (s.get("type") == Some(&json!("string"))
            || s.get("type") == Some(&json!(["string", "null"])))
            && s.get("enum").is_none()
            && s.get("pattern").is_none()
    };
    plain(schema) || schema.as_bool() == Some(true) || schema.as_object().is_some_and(Map::is_empty)
}

fn for_playbooks(schema: &mut Value) {
    let Some(map) = schema.as_object_mut() else { return };
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(alternatives)) = map.get_mut(key) {
            alternatives.iter_mut().for_each(for_playbooks);
        }
    }
    if let Some(items) = map.get_mut("items") {
        for_playbooks(items);
        allow_template(items);
    }
    if let Some(Value::Object(values)) = map.get_mut("additionalProperties") {
        let mut value = Value::Object(std::mem::take(values));
        for_playbooks(&mut value);
        allow_template(&mut value);
        map.insert("additionalProperties".into(), value);
    }
    let Some(Value::Object(properties)) = map.get_mut("properties") else { return };
    let mut aliases = Vec::new();
    for (name, property) in properties.iter_mut() {
        let names = property.as_object_mut().and_then(|p| p.remove("x-aliases"));
        for_playbooks(property);
        allow_template(property);
        if let Some(Value::Array(names)) = names {
            aliases.push((name.clone(), names, property.clone()));
        }
    }
    for (_, names, property) in &aliases {
        for alias in names.iter().filter_map(Value::as_str) {
            properties.insert(alias.to_string(), property.clone());
        }
    }
    // A required argument is there under any of its names.
    let Some(Value::Array(required)) = map.remove("required") else { return };
    let mut plain = Vec::new();
    let mut either = Vec::new();
    for name in required {
        match aliases.iter().find(|(primary, ..)| Some(primary.as_str()) == name.as_str()) {
            None => plain.push(name),
            Some((primary, names, _)) => {
                let all = std::iter::once(json!(primary)).chain(names.iter().cloned());
                either.push(
                    json!({ "anyOf": all.map(|n| json!({ "required": [n] })).collect::<Vec<_>>() }),
                );
            }
        }
    }
    if !plain.is_empty() {
        map.insert("required".into(), Value::Array(plain));
    }
    if !either.is_empty() {
        map.insert("allOf".into(), Value::Array(either));
    }
}

fn allow_template(schema: &mut Value) {
    if takes_any_string(schema) {
        return;
    }
    let mut typed = std::mem::take(schema);
    let mut wrapper = Map::new();
    // What an editor shows of the argument stays on it, not inside one alternative.
    for key in ["description", "default", "examples"] {
        if let Some(value) = typed.as_object_mut().and_then(|t| t.remove(key)) {
            wrapper.insert(key.into(), value);
        }
    }
    wrapper.insert("anyOf".into(), json!([typed, template()]));
    *schema = Value::Object(wrapper);
}
