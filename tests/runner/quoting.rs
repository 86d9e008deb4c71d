//! Shell safety: values that look like shell (`; touch …`, `$(…)`, backquotes, quotes,
//! newlines, globs, options) reach programs as exactly one argument, byte for byte, through
//! every way numarun builds a command, on this machine and over SSH. Generated from a seed;
//! a canary file proves nothing was ever executed.

use crate::common;

use common::Test;

/// Pieces a hostile value is made of; the canary path is filled in per test. Every injection
/// only touches the canary: should quoting ever break, this test fails and harms nothing. (A
/// `; rm -rf /` piece beside `$HOME` once took a machine's /root with it, run unquoted by hand.)
const PIECES: &[&str] = &[
    "; touch CANARY",
    "$(touch CANARY)",
    "`touch CANARY`",
    "' ; touch CANARY ; '",
    "\" ; touch CANARY ; \"",
    "\n",
    "\\",
    "$HOME",
    "*",
    "&& touch CANARY",
    "| touch CANARY",
    "> CANARY",
    "-rf",
    "--",
    " ",
    "\t",
    "%s%n",
    "é✓",
    "plain",
    "!",
    "#",
    "~",
];

fn values(seed: u64, canary: &str, count: usize) -> Vec<String> {
    let mut state = seed;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count)
        .map(|_| {
            let parts = 1 + next() % 5;
            (0..parts)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize].replace("CANARY", canary))
                .collect()
        })
        .collect()
}

fn hostile_values_stay_one_argument(t: Test) {
    let canary = t.path().join("work/PWNED").display().to_string();
    let values = values(0x9e37_79b9_7f4a_7c15, &canary, 120);
    std::fs::create_dir_all(t.path().join("work")).unwrap();
    t.write("values.json", &serde_json::json!({ "hostile": values }).to_string());
    t.write(
        "play.yaml",
        r#"
- hosts: localhost
  vars_files: [values.json]
  tasks:
    # `$NAME` in a command's words is the host's variable by default, as in Ansible
    # (tests/ansible_modules.rs); here every byte must arrive as written.
    - name: argv
      command: { argv: [printf, "%s", "{{ item }}"], expand_argument_vars: false }
      loop: "{{ hostile }}"
      register: printed
      changed_when: false
    - name: command line string, split as words
      command: { cmd: "printf %s {{ item | quote }}", expand_argument_vars: false }
      loop: "{{ hostile }}"
      register: split
      changed_when: false
    - name: shell, quoted by the user with `quote`
      shell: "printf %s {{ item | quote }}"
      loop: "{{ hostile }}"
      register: shelled
      changed_when: false
    - name: stdin and environment
      shell: 'printf %s "$VALUE"; cat'
      environment: { VALUE: "{{ item }}" }
      args: { stdin: "{{ item }}", stdin_add_newline: false }
      loop: "{{ hostile }}"
      register: carried
      changed_when: false
    - name: what arrived
      copy:
        dest: "{dir}/work/out.json"
        content: >-
          {{ {'printed': printed.results | map(attribute='stdout') | list, 'split': split.results | map(attribute='stdout') | list,
              'shelled': shelled.results | map(attribute='stdout') | list, 'carried': carried.results | map(attribute='stdout') | list}
             | to_json }}
    - name: as a line in a file
      lineinfile: { path: "{dir}/work/lines", line: "{{ item | replace('\n', ' ') }}", create: true }
      loop: "{{ hostile }}"
"#,
    );
    let run = t.run(&["play", "play.yaml"]);
    run.ok();
    let out: serde_json::Value = serde_json::from_str(&t.read("work/out.json")).unwrap();
    // As Ansible's, a command's stdout loses its trailing newlines.
    let expected: Vec<String> =
        values.iter().map(|v| v.trim_end_matches('\n').to_string()).collect();
    for step in ["printed", "split", "shelled"] {
        let outputs: Vec<String> = serde_json::from_value(out[step].clone()).unwrap();
        assert_eq!(outputs, expected, "{step}: some value did not arrive whole");
    }
    let doubled: Vec<String> =
        values.iter().map(|v| format!("{v}{v}").trim_end_matches('\n').to_string()).collect();
    assert_eq!(
        serde_json::from_value::<Vec<String>>(out["carried"].clone()).unwrap(),
        doubled,
        "stdin and environment"
    );
    let lines = t.read("work/lines");
    for value in &values {
        assert!(lines.lines().any(|l| l == value.replace('\n', " ")), "line {value:?} missing");
    }
    assert!(!std::path::Path::new(&canary).exists(), "a value was executed");
}

#[test]
fn local() {
    hostile_values_stay_one_argument(Test::local());
}

#[test]
fn ssh() {
    hostile_values_stay_one_argument(Test::over_ssh());
}
