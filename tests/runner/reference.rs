//! `numarun doc` and `numarun schema` say what the loader does: every module's example loads
//! and fits the schema; every playbook, task file and inventory in the repository fits it; the
//! mistakes the loader refuses (a misspelt key, module or argument, a wrong type or choice, a
//! missing argument, two modules in a step) the schema refuses too; and each module's schema
//! names exactly the arguments (aliases too) the loader knows.

use crate::common;

use std::path::Path;

use common::Test;
use serde_json::Value;

fn numarun(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_numarun")).args(args).output().unwrap()
}

fn stdout(args: &[&str]) -> String {
    let out = numarun(args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn schema(kind: &str) -> Value {
    serde_json::from_str(&stdout(&["schema", kind])).unwrap()
}

fn validator(kind: &str) -> jsonschema::Validator {
    jsonschema::validator_for(&schema(kind)).expect("a valid JSON Schema")
}

/// A YAML file as JSON, read by numarun's own loader.
fn yaml(path: &Path) -> Value {
    let node = numarun::yaml::load_file(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    numarun::yaml::decode(&node).unwrap()
}

fn yaml_text(t: &Test, text: &str) -> Value {
    t.write("probe.yaml", text);
    yaml(&t.path().join("probe.yaml"))
}

/// The schema's errors for a document, as text (empty when it fits).
fn misfits(validator: &jsonschema::Validator, document: &Value) -> String {
    validator.iter_errors(document).map(|e| format!("{} at {}\n", e, e.instance_path())).collect()
}

fn play_of(steps: &str) -> String {
    format!("- hosts: localhost\n  gather_facts: false\n  tasks:\n{}", indent(steps, 4))
}

fn indent(text: &str, by: usize) -> String {
    text.lines().map(|l| format!("{}{l}\n", " ".repeat(by))).collect()
}

fn module_names() -> Vec<String> {
    stdout(&["doc"]).lines().map(|l| l.split_whitespace().next().unwrap().to_string()).collect()
}

/// The example at the end of a module's page.
fn example(module: &str) -> String {
    let page = stdout(&["doc", module]);
    let (_, example) = page.split_once("\nEXAMPLE\n").expect("an example");
    example.lines().map(|l| l.strip_prefix("  ").unwrap_or(l)).collect::<Vec<_>>().join("\n")
}

#[test]
fn every_modules_example_loads_and_fits_the_schema() {
    let t = Test::new();
    // What the examples name on the controller: a role with a tasks file, a task file, vars.
    t.write("roles/webserver/tasks/main.yaml", "- meta: noop\n");
    t.write("roles/webserver/tasks/install.yaml", "- meta: noop\n");
    t.write("setup.yaml", "- meta: noop\n");
    t.write("vars/main.yaml", "settled: true\n");
    let playbooks = validator("playbook");
    let names = module_names();
    assert!(names.len() > 50 && names.contains(&"reboot".to_string()), "{names:?}");
    for module in names {
        let play = play_of(&example(&module));
        t.write("play.yaml", &play);
        let check = t.run(&["play", "play.yaml", "--syntax-check"]);
        assert_eq!(check.code, 0, "{module}'s example:\n{play}{}{}", check.stdout, check.stderr);
        let misfit = misfits(&playbooks, &yaml_text(&t, &play));
        assert!(misfit.is_empty(), "{module}'s example does not fit the schema:\n{play}{misfit}");
    }
}

#[test]
fn every_playbook_task_file_and_inventory_in_the_repository_fits_the_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for (kind, folders) in [
        ("playbook", &["playbooks", "playbooks/phases", "examples/playbooks"][..]),
        ("inventory", &["inventory"][..]),
    ] {
        let validator = validator(kind);
        for folder in folders {
            let Ok(entries) = std::fs::read_dir(root.join(folder)) else { continue };
            for entry in entries {
                let path = entry.unwrap().path();
                if !matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
                    continue;
                }
                let misfit = misfits(&validator, &yaml(&path));
                assert!(misfit.is_empty(), "{}:\n{misfit}", path.display());
                checked += 1;
            }
        }
    }
    assert!(checked >= 15, "only {checked} files checked");
}

/// Each mistake, which the loader refuses before anything runs, fails the schema too; the same
/// step written right (a template for a typed value, an alias, a collection's name) fits both.
#[test]
fn the_mistakes_the_loader_refuses_fail_the_schema() {
    let t = Test::new();
    let playbooks = validator("playbook");
    // Each step list, and whether it is right: the loader and the schema must both agree.
    let cases = [
        ("- copy: { dest: /tmp/x, content: x }\n  whne: true\n", false),
        ("- coppy: { dest: /tmp/x, content: x }\n", false),
        ("- copy: { dets: /tmp/x, content: x }\n", false),
        ("- copy: { dest: /tmp/x, content: x, force: maybe }\n", false),
        ("- file: { path: /tmp/x, state: gone }\n", false),
        ("- copy: { content: x }\n", false),
        ("- copy: { dest: /tmp/x, content: x }\n  file: { path: /tmp/x }\n", false),
        ("- file: { path: /tmp/x, mode: 644 }\n", false),
        ("- block:\n    - debug: { msg: x }\n  rescu:\n    - debug: { msg: y }\n", false),
        (
            "- copy: { dest: /tmp/x, content: x, force: \"{{ overwrite | default(true) }}\" }\n",
            true,
        ),
        ("- file: { dest: /tmp/x, state: \"{{ wanted }}\", mode: '0644' }\n", true),
        ("- ansible.builtin.file: path=/tmp/x state=directory\n", true),
        (
            "- command: echo hi\n  args: { chdir: /tmp }\n  register: said\n  changed_when: false\n",
            true,
        ),
        ("- block:\n    - reboot:\n  rescue:\n    - meta: noop\n  when: false\n", true),
    ];
    for (steps, right) in cases {
        let play = play_of(steps);
        t.write("play.yaml", &play);
        let check = t.run(&["play", "play.yaml", "--syntax-check"]);
        assert_eq!(check.code == 0, right, "the loader, on:\n{play}{}", check.stderr);
        let misfit = misfits(&playbooks, &yaml_text(&t, &play));
        assert_eq!(misfit.is_empty(), right, "the schema, on:\n{play}{misfit}");
    }
    let inventories = validator("inventory");
    let typo = "all:\n  chidren:\n    web:\n      hosts: { w1: }\n";
    assert!(!misfits(&inventories, &yaml_text(&t, typo)).is_empty());
    t.write("hosts.yaml", typo);
    t.write("play.yaml", &play_of("- meta: noop\n"));
    assert_ne!(t.run(&["play", "play.yaml", "-i", "hosts.yaml", "--syntax-check"]).code, 0);
    let play_typo = "- hsots: localhost\n  tasks: []\n";
    assert!(!misfits(&playbooks, &yaml_text(&t, play_typo)).is_empty());
}

/// The names a module's schema accepts are exactly those the loader lists for an argument it
/// does not know: aliases cannot be forgotten in one and kept in the other.
#[test]
fn each_modules_schema_names_exactly_the_arguments_the_loader_knows() {
    let t = Test::new();
    let document = schema("playbook");
    let mut compared = 0;
    for module in module_names() {
        let arguments = &document["$defs"][format!("module.{module}")]["anyOf"][0];
        let Some(properties) = arguments["properties"].as_object() else { continue };
        let mut in_schema: Vec<&str> = properties.keys().map(String::as_str).collect();
        in_schema.sort_unstable();
        t.write("play.yaml", &play_of(&format!("- {module}: {{ zz_not_an_argument: 1 }}\n")));
        let check = t.run(&["play", "play.yaml", "--syntax-check"]);
        let Some((_, known)) = check.stderr.split_once("known arguments: ") else {
            panic!("{module}: no list of known arguments:\n{}", check.stderr)
        };
        // The help wraps its list onto lines indented past `help: `.
        let mut lines = known.lines();
        let first = lines.next().unwrap_or_default();
        let rest = lines.take_while(|l| l.starts_with("        ") && !l.trim().is_empty());
        let list = std::iter::once(first).chain(rest).collect::<Vec<_>>().join(" ");
        let mut known: Vec<&str> =
            list.split(',').map(str::trim).filter(|n| !n.is_empty()).collect();
        known.sort_unstable();
        assert_eq!(in_schema, known, "{module}");
        compared += 1;
    }
    assert!(compared > 45, "only {compared} modules compared");
}

#[test]
fn a_modules_page_gives_types_defaults_choices_aliases_and_results() {
    let file = stdout(&["doc", "ansible.builtin.file"]);
    assert!(file.starts_with("file — "), "{file}");
    assert!(file.contains("\n  path  (string; required; aliases: dest, name)\n"), "{file}");
    assert!(file.contains("\n  state  (one of: "), "{file}");
    assert!(file.contains("\n  follow  (boolean; default: true)\n"), "{file}");
    let command = stdout(&["doc", "command"]);
    assert!(
        command.contains("CHECK MODE\n  reports unknown, unless `creates` or `removes` tells it"),
        "{command}"
    );
    assert!(command.contains("\n  rc            its exit status\n"), "{command}");
    let typo = numarun(&["doc", "lineinfle"]);
    assert_eq!(typo.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&typo.stderr)
            .contains("unknown module `lineinfle`; did you mean `lineinfile`?")
    );
}
