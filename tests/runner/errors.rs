//! Bad input gets one clear message that names the file, line and column,
//! and nothing runs. Messages are kept under snapshot tests.

use crate::common;

use common::Test;

struct Case {
    name: &'static str,
    playbook: &'static str,
    inventory: Option<&'static str>,
    extra: &'static [&'static str],
    /// Where the message must point.
    at: &'static str,
}

const INVENTORY: &str = "all:\n  vars: { ansible_connection: local }\n  children:\n    data:\n      hosts:\n        db1:\n";

const CASES: &[Case] = &[
    // Which inventory was read (none), and how to name one.
    Case {
        name: "unknown_group_without_an_inventory",
        playbook: "- hosts: web\n  tasks: []\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:1:10",
    },
    Case { name: "empty_playbook", playbook: "", inventory: None, extra: &[], at: "play.yaml:1:1" },
    Case {
        name: "rescue_in_a_handler",
        playbook: "- hosts: localhost\n  tasks: []\n  handlers:\n    - block:\n        - debug: { msg: x }\n      rescue:\n        - debug: { msg: y }\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:7:9",
    },
    Case {
        name: "block_keyword_misspelled",
        playbook: "- hosts: localhost\n  tasks:\n    - block:\n        - debug: { msg: x }\n      whn: true\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:5:7",
    },
    Case {
        name: "import_tasks_of_a_missing_file",
        playbook: "- hosts: localhost\n  tasks:\n    - import_tasks: tasks/nope.yaml\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:3:21",
    },
    Case {
        name: "role_not_found",
        playbook: "- hosts: localhost\n  roles:\n    - role: webserver\n      port: 80\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:3:13",
    },
    Case {
        name: "two_loops_on_a_step",
        playbook: "- hosts: localhost\n  tasks:\n    - debug: { msg: \"{{ item }}\" }\n      loop: [1]\n      with_items: [2]\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:5:19",
    },
    Case {
        name: "free_form_word_without_a_value",
        playbook: "- hosts: localhost\n  tasks:\n    - file: /tmp/x state=touch\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:3:13",
    },
    Case {
        name: "include_removed",
        playbook: "- hosts: localhost\n  tasks:\n    - include: other.yaml\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:3:16",
    },
    Case {
        name: "playbook_without_a_phase",
        playbook: "[]\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:1:1",
    },
    Case {
        name: "yaml_syntax",
        playbook: "- hosts: all\n  tasks:\n    - debug: { msg: [ }\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:3:",
    },
    Case {
        name: "unknown_phase_key",
        playbook: "- hosts: localhost\n  taks: []\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:2:3",
    },
    Case {
        name: "unknown_step_key",
        playbook: "- hosts: localhost\n  tasks:\n    - debug: { msg: hi }\n      whn: true\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:4:7",
    },
    Case {
        name: "unknown_module",
        playbook: "- hosts: localhost\n  tasks:\n    - copyy: { dest: /tmp/x, content: y }\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:3:7",
    },
    Case {
        name: "unknown_argument",
        playbook: "- hosts: localhost\n  tasks:\n    - copy: { dest: /tmp/x, contnt: y }\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:3:29",
    },
    Case {
        name: "missing_argument",
        playbook: "- hosts: localhost\n  tasks:\n    - copy: { content: y }\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:3:13",
    },
    Case {
        name: "wrong_type_bool",
        playbook: "- hosts: localhost\n  tasks:\n    - debug: { msg: hi }\n      become: maybe\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:4:15",
    },
    Case {
        name: "wrong_type_argument",
        playbook: "- hosts: localhost\n  tasks:\n    - copy: { dest: [a, b], content: y }\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:3:21",
    },
    Case {
        name: "octal_mode_unquoted",
        playbook: "- hosts: localhost\n  tasks:\n    - file: { path: /tmp/x, state: directory, mode: 0755 }\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:3:53",
    },
    Case {
        name: "decimal_mode_unquoted",
        playbook: "- hosts: localhost\n  tasks:\n    - file: { path: /tmp/x, state: directory, mode: 644 }\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:3:53",
    },
    Case {
        name: "bad_enum_value",
        playbook: "- hosts: localhost\n  tasks:\n    - file: { path: /tmp/x, state: directroy }\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:3:36",
    },
    Case {
        name: "duplicate_key",
        playbook: "- hosts: localhost\n  tasks:\n    - name: one\n      name: two\n      debug: { msg: hi }\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:4:7",
    },
    Case {
        name: "two_modules",
        playbook: "- hosts: localhost\n  tasks:\n    - debug: { msg: hi }\n      command: ls\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:4:7",
    },
    Case {
        name: "no_module",
        playbook: "- hosts: localhost\n  tasks:\n    - name: lonely\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:3:7",
    },
    Case {
        name: "missing_hosts",
        playbook: "- name: nowhere\n  tasks: []\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:1:3",
    },
    Case {
        name: "playbook_not_a_list",
        playbook: "hosts: all\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:1:1",
    },
    Case {
        name: "bad_host_pattern",
        playbook: "- hosts: \"data:&\"\n  tasks: []\n",
        inventory: Some(INVENTORY),
        extra: &[],
        at: "play.yaml:1:10",
    },
    Case {
        name: "unknown_group",
        playbook: "- hosts: dta\n  tasks: []\n",
        inventory: Some(INVENTORY),
        extra: &[],
        at: "play.yaml:1:10",
    },
    Case {
        name: "unknown_handler",
        playbook: "- hosts: localhost\n  tasks:\n    - debug: { msg: hi }\n      notify: restrat\n  handlers:\n    - name: restart\n      debug: { msg: r }\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:3:7",
    },
    Case {
        name: "missing_import",
        playbook: "- import: phases/nope.yaml\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:1:11",
    },
    Case {
        name: "inventory_unknown_key",
        playbook: "- hosts: all\n  tasks: []\n",
        inventory: Some("all:\n  hostz:\n    a:\n"),
        extra: &[],
        at: "inventory.yaml:2:3",
    },
    Case {
        name: "inventory_hosts_as_list",
        playbook: "- hosts: all\n  tasks: []\n",
        inventory: Some("all:\n  hosts: [a, b]\n"),
        extra: &[],
        at: "inventory.yaml:2:10",
    },
    Case {
        name: "bad_register_name",
        playbook: "- hosts: localhost\n  tasks:\n    - debug: { msg: hi }\n      register: my-result\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:3:7",
    },
    Case {
        name: "unsupported_yaml_tag",
        playbook: "- hosts: localhost\n  vars:\n    secret: !include abc\n  tasks: []\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:3:13",
    },
    Case {
        name: "strategy_linear",
        playbook: "- hosts: localhost\n  strategy: linear\n  tasks: []\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:2:13",
    },
    Case {
        name: "serial_not_a_count",
        playbook: "- hosts: localhost\n  serial: [1, half]\n  tasks: []\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:2:15",
    },
    Case {
        name: "become_method_doas",
        playbook: "- hosts: localhost\n  tasks:\n    - command: id\n      become: true\n      become_method: doas\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:5:22",
    },
    Case {
        name: "vault_value_without_a_password",
        playbook: "- hosts: localhost\n  vars:\n    secret: !vault abc\n  tasks: []\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:3:13",
    },
    Case {
        name: "alias_bomb",
        playbook: "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:6:",
    },
    Case {
        name: "bad_extra_vars",
        playbook: "- hosts: localhost\n  tasks: []\n",
        inventory: None,
        extra: &["-e", "novalue"],
        at: "-e `novalue`",
    },
];

/// Errors found while running: they stop the host and name where the template was written.
const RUNTIME_CASES: &[Case] = &[
    // The inventory asks for a way to become that numarun does not have: the step fails, not
    // quietly run with sudo.
    Case {
        name: "become_method_variable_doas",
        playbook: "- hosts: localhost\n  vars: { ansible_become_method: doas }\n  tasks:\n    - command: id\n      become: true\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:4:7",
    },
    // A failure at run time names the step's place, as a load error does.
    Case {
        name: "failed_command_names_its_step",
        playbook: "- hosts: localhost\n  tasks:\n    - name: fails\n      command: /bin/false\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:3:7",
    },
    // The step that names it, and every place it was looked for.
    Case {
        name: "missing_template_source",
        playbook: "- hosts: localhost\n  tasks:\n    - name: render\n      template: { src: nothere.j2, dest: /tmp/never }\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:4:7",
    },
    Case {
        name: "undefined_variable",
        playbook: "- hosts: localhost\n  tasks:\n    - debug: { msg: \"value {{ nope }}\" }\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:3:21",
    },
    Case {
        name: "undefined_inside_a_variable",
        playbook: "- hosts: localhost\n  vars:\n    a: \"{{ b }}\"\n    b: \"{{ c }}\"\n  tasks:\n    - debug: { msg: \"{{ a }}\" }\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:4:8",
    },
    Case {
        name: "template_syntax",
        playbook: "- hosts: localhost\n  tasks:\n    - debug: { msg: \"{{ 1 + }}\" }\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:3:21",
    },
    Case {
        name: "loop_over_a_string",
        playbook: "- hosts: localhost\n  vars: { xs: abc }\n  tasks:\n    - debug: { msg: \"{{ item }}\" }\n      loop: \"{{ xs }}\"\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:5:13",
    },
    Case {
        name: "self_reference",
        playbook: "- hosts: localhost\n  vars:\n    a: \"{{ a }}x\"\n  tasks:\n    - debug: { msg: \"{{ a }}\" }\n",
        inventory: None,
        extra: &[],
        at: "play.yaml:3:8",
    },
];

fn run_case(case: &Case) -> (i32, String) {
    let t = Test::new();
    t.write("play.yaml", case.playbook);
    let mut args = vec!["play", "play.yaml"];
    if let Some(inventory) = case.inventory {
        t.write("inventory.yaml", inventory);
        args.extend(["-i", "inventory.yaml"]);
    }
    args.extend(case.extra);
    let run = t.run(&args);
    let text = format!(
        "{}{}",
        run.stderr,
        run.stdout.lines().filter(|l| l.starts_with("failed")).collect::<Vec<_>>().join("\n")
    );
    // The test's own folder, and the one that holds it where a list of folders searched names
    // it, named as such: they differ each run.
    let dir = t.path().display().to_string();
    let parent = t.path().parent().unwrap().display().to_string();
    let text = text.replace(&dir, "{dir}").replace(&format!(", {parent}/"), ", {parent}/");
    assert!(
        text.contains(case.at),
        "{}: expected the message to point at {}\n{text}",
        case.name,
        case.at
    );
    (run.code, text)
}

#[test]
fn bad_input_is_refused_before_anything_runs() {
    assert!(CASES.len() + RUNTIME_CASES.len() >= 20);
    for case in CASES {
        let (code, text) = run_case(case);
        assert_eq!(code, 1, "{}: exit code\n{text}", case.name);
        insta::assert_snapshot!(case.name, text);
    }
}

#[test]
fn template_errors_fail_the_step_with_their_location() {
    for case in RUNTIME_CASES {
        let (code, text) = run_case(case);
        assert_eq!(code, 2, "{}: exit code\n{text}", case.name);
        insta::assert_snapshot!(case.name, text);
    }
}

#[test]
fn syntax_check_accepts_a_good_playbook_and_touches_nothing() {
    let t = Test::new();
    t.write(
        "play.yaml",
        "- hosts: localhost\n  tasks:\n    - file: { path: \"{dir}/made\", state: directory }\n",
    );
    let run = t.run(&["play", "play.yaml", "--syntax-check"]);
    run.ok();
    assert!(!t.path().join("made").exists());
}

#[test]
fn an_undefined_value_in_a_template_file_is_named_by_its_line_not_by_a_guarded_name() {
    let t = Test::local();
    t.write("templates/t.j2", "{% if maybe is defined %}{{ maybe }}{% endif %}\n{% set x = {} %}\n{{ x.missing.deeper }}\n");
    t.write(
        "play.yaml",
        "- hosts: localhost\n  tasks:\n    - template: { src: t.j2, dest: \"{dir}/out\" }\n",
    );
    let run = t.run(&["play", "play.yaml"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.contains("t.j2:3:"), "{}", run.stdout);
    assert!(!run.stdout.contains("`maybe`"), "{}", run.stdout);
}

#[test]
fn a_hundred_megabyte_playbook_is_refused_at_the_bound() {
    let t = Test::new();
    let file = std::fs::File::create(t.path().join("huge.yaml")).unwrap();
    file.set_len(100 << 20).unwrap();
    let run = t.run(&["play", "huge.yaml"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("huge.yaml: over the 16777216-byte limit for a text file"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_file_that_never_ends_is_refused_at_the_bound() {
    let t = Test::new();
    t.write("play.yaml", "- hosts: all\n  tasks: []\n");
    let run = t.run(&["play", "play.yaml", "-i", "/dev/zero"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("/dev/zero: over the 16777216-byte limit for a text file"),
        "{}",
        run.stderr
    );
    t.write("lookup.yaml", "- hosts: localhost\n  tasks:\n    - debug: { msg: \"{{ lookup('file', '/dev/zero') }}\" }\n");
    let run = t.run(&["play", "lookup.yaml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout.contains("/dev/zero: over the 16777216-byte limit for a text file"),
        "{}",
        run.stdout
    );
}

/// An INI inventory's mistakes are located like a YAML file's, and nothing runs.
#[test]
fn ini_inventory_errors_name_the_file_line_and_column() {
    let cases = [
        ("[web]\nweb1\n\n  [web:kids]\n", "hosts:4:3", "unknown type `kids`"),
        ("[web]\nweb[01:x3]\n", "hosts:2:1", "`[01:x3]` is not a range"),
        ("[web:vars]\nport 80\n", "hosts:2:1", "`port 80` is not `name=value`"),
        ("[web\n", "hosts:1:1", "is not a section header"),
    ];
    for (ini, at, says) in cases {
        let t = Test::new();
        t.write("hosts", ini);
        t.write(
            "play.yaml",
            "- hosts: all\n  tasks:\n    - file: { path: \"{dir}/made\", state: directory }\n",
        );
        let run = t.run(&["play", "play.yaml", "-i", "hosts"]);
        assert_eq!(run.code, 1, "{ini}: {}{}", run.stdout, run.stderr);
        let text = format!("{}{}", run.stdout, run.stderr);
        assert!(
            text.contains(at) && text.contains(says),
            "{ini}: wanted {at} and {says} in\n{text}"
        );
        assert!(!t.path().join("made").exists());
    }
}

/// Two task files that import each other: refused at load, naming the chain.
#[test]
fn task_files_that_import_each_other_are_refused() {
    let t = Test::new();
    t.write("play.yaml", "- hosts: localhost\n  tasks:\n    - import_tasks: a.yaml\n");
    t.write("a.yaml", "- import_tasks: b.yaml\n");
    t.write("b.yaml", "- debug: { msg: b }\n- import_tasks: a.yaml\n");
    let run = t.run(&["play", "play.yaml"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("b.yaml:2:17"), "{}", run.stderr);
    assert!(run.stderr.contains("imports itself"), "{}", run.stderr);
}

/// Two roles that depend on each other: refused at load, naming the role and the chain.
#[test]
fn roles_that_depend_on_each_other_are_refused() {
    let t = Test::new();
    t.write("play.yaml", "- hosts: localhost\n  roles: [a]\n");
    t.write("roles/a/meta/main.yml", "dependencies: [b]\n");
    t.write("roles/b/meta/main.yml", "dependencies:\n  - role: a\n");
    let run = t.run(&["play", "play.yaml"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("b/meta/main.yml:2:11"), "{}", run.stderr);
    assert!(run.stderr.contains("role `a` depends on itself"), "{}", run.stderr);
}
