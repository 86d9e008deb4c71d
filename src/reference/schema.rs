//! `numarun schema`: a JSON Schema for what numarun loads — a playbook, a task file (a role's
//! `tasks/main.yaml`, an `include_tasks` file) or a YAML inventory — from the keys the loader
//! accepts (`model`'s lists) and each module's arguments (`arguments`). It accepts no key the
//! loader refuses; the loader still checks what a schema cannot (a template once rendered).

use serde_json::{Map, Value, json};

use super::arguments;
use crate::model::inventory::GROUP_KEYS;
use crate::model::playbook::{IMPORT_KEYS, PHASE_KEYS};
use crate::model::rollout::ROLLOUT_KEYS;
use crate::model::task::{COLLECTIONS, STEP_KEYS};
use crate::model::task_list::INHERITED_KEYS;
use crate::modules::registry;

/// What a schema describes: which file, and so which definition is its root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// A playbook: a list of plays and `import_playbook` entries.
    Playbook,
    /// A list of steps: a role's tasks or handlers, an included file.
    Tasks,
    /// A YAML inventory.
    Inventory,
}

/// The whole schema, rooted at `kind`.
pub fn document(kind: Kind) -> Value {
    let root = match kind {
        Kind::Playbook => "playbook",
        Kind::Tasks => "tasks",
        Kind::Inventory => "inventory",
    };
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": format!("numarun {root}"),
        "$ref": format!("#/$defs/{root}"),
        "$defs": definitions(),
    })
}

/// Keys whose value may be anything the loader checks itself (`vars`, `when` …).
fn open_keys(keys: &[&str]) -> Map<String, Value> {
    keys.iter().map(|k| (k.to_string(), json!(true))).collect()
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/$defs/{name}") })
}

fn object(properties: Map<String, Value>, required: &[&str]) -> Value {
    json!({ "type": "object", "properties": properties, "required": required, "additionalProperties": false })
}

fn definitions() -> Map<String, Value> {
    let mut defs = Map::new();
    let step_lists = ["tasks", "pre_tasks", "post_tasks", "handlers", "steps"];

    let mut play = open_keys(&[PHASE_KEYS, ROLLOUT_KEYS].concat());
    for list in step_lists {
        play.insert(list.into(), reference("tasks"));
    }
    play.insert("hosts".into(), json!({ "type": ["string", "array"] }));
    defs.insert("play".into(), object(play, &["hosts"]));
    let import = json!({
        "type": "object",
        "properties": open_keys(IMPORT_KEYS),
        "additionalProperties": false,
        "anyOf": [{ "required": ["import_playbook"] }, { "required": ["import"] }],
    });
    defs.insert("import_playbook".into(), import);
    defs.insert(
        "playbook".into(),
        json!({ "type": "array", "items": { "anyOf": [reference("play"), reference("import_playbook")] } }),
    );

    defs.insert("tasks".into(), json!({ "type": ["array", "null"], "items": reference("task") }));
    let mut block = open_keys(INHERITED_KEYS);
    for part in ["block", "rescue", "always"] {
        block.insert(part.into(), reference("tasks"));
    }
    defs.insert("block".into(), object(block, &["block"]));
    for import in ["import_tasks", "import_role"] {
        let keys = open_keys(&[INHERITED_KEYS, &[import]].concat());
        defs.insert(import.into(), object(keys, &[import]));
    }
    let step = step(&mut defs);
    defs.insert("step".into(), step);
    defs.insert(
        "task".into(),
        json!({ "anyOf": [reference("block"), reference("import_tasks"), reference("import_role"), reference("step")] }),
    );

    let group = json!({
        "type": ["object", "null"],
        "properties": {
            "hosts": { "type": ["object", "null"], "additionalProperties": { "type": ["object", "null"] } },
            "children": { "type": ["object", "null"], "additionalProperties": reference("group") },
            "vars": { "type": ["object", "null"] },
        },
        "additionalProperties": false,
    });
    debug_assert_eq!(group["properties"].as_object().map(Map::len), Some(GROUP_KEYS.len()));
    defs.insert("group".into(), group);
    defs.insert(
        "inventory".into(),
        json!({ "type": "object", "additionalProperties": reference("group") }),
    );
    defs
}

/// A step: its keys, and exactly one module (under its short name or a collection's) or a
/// `local_action`. Each module's arguments go in `$defs` as `module.NAME`.
fn step(defs: &mut Map<String, Value>) -> Value {
    let mut properties = open_keys(STEP_KEYS);
    let mut one_of = vec![json!({ "required": ["local_action"] })];
    for spec in registry::all() {
        let arguments = arguments::as_written(spec);
        let needs_nothing = arguments.get("required").is_none() && arguments.get("allOf").is_none();
        let mut forms = vec![arguments, json!({ "type": "string" })];
        if needs_nothing {
            forms.push(json!({ "type": "null" }));
        }
        let definition = format!("module.{}", spec.name);
        defs.insert(definition.clone(), json!({ "description": spec.doc.summary, "anyOf": forms }));
        let names = std::iter::once(spec.name.to_string())
            .chain(COLLECTIONS.iter().map(|c| format!("{c}{}", spec.name)));
        for name in names {
            properties.insert(name.clone(), reference(&definition));
            one_of.push(json!({ "required": [name] }));
        }
    }
    json!({ "type": "object", "properties": properties, "additionalProperties": false, "oneOf": one_of })
}
