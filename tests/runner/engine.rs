//! Engine semantics through the real binary: hosts, phases, handlers,
//! loops, conditions, retries, registration, selection, secrets, exit codes.

use crate::common;

use common::Test;

/// Three local hosts in two groups, each with its own work folder.
fn lab() -> Test {
    let t = Test::new();
    t.write(
        "inventory.yaml",
        r#"
all:
  vars: { ansible_connection: local, role: generic, root: "{dir}/work" }
  children:
    data:
      hosts:
        db1: { role: database }
    slm:
      vars: { role: inference }
      hosts:
        gpu1:
        gpu2: { role: special }
"#,
    );
    std::fs::create_dir(t.path().join("work")).unwrap();
    t
}

#[test]
fn variable_precedence_follows_ansible() {
    let t = lab();
    t.write("group_vars/slm.yaml", "tier: fast\nrole: from-group-file\n").write("host_vars/gpu2.yaml", "tier: special-host\n").write(
        "play.yaml",
        r#"
- hosts: all
  vars: { phase_var: phase }
  tasks:
    - copy:
        dest: "{{ root }}/{{ inventory_hostname }}"
        content: "{{ role }} {{ tier | default('none') }} {{ phase_var }} {{ extra | default('-') }} {{ group_names | join(',') }}\n"
"#,
    );
    t.run(&["play", "play.yaml", "-i", "inventory.yaml", "-e", "extra=cli"]).ok();
    assert_eq!(t.read("work/db1"), "database none phase cli data\n");
    assert_eq!(t.read("work/gpu1"), "from-group-file fast phase cli slm\n");
    assert_eq!(t.read("work/gpu2"), "special special-host phase cli slm\n");
    // -e beats everything, even facts set by the play.
    t.write(
        "play2.yaml",
        "- hosts: db1\n  tasks:\n    - set_fact: { role: fact }\n    - copy: { dest: \"{{ root }}/x\", content: \"{{ role }}\" }\n",
    );
    t.run(&["play", "play2.yaml", "-i", "inventory.yaml", "-e", "{role: extra}"]).ok();
    assert_eq!(t.read("work/x"), "extra");
}

#[test]
fn vars_folders_beside_the_playbook_win_over_the_inventorys() {
    let t = lab();
    t.write("group_vars/data.yaml", "tier: from-inventory-folder\nkept: yes-kept\n")
        .write("inventory.yaml", &t.read("inventory.yaml"))
        .write("site/group_vars/data.yaml", "tier: from-playbook-folder\n")
        .write("site/host_vars/db1.yaml", "own: host-file\n")
        .write(
            "site/play.yaml",
            "- hosts: db1\n  tasks:\n    - copy: { dest: \"{{ root }}/v\", content: \"{{ tier }} {{ kept }} {{ own }}\" }\n",
        );
    t.run(&["play", "site/play.yaml", "-i", "inventory.yaml"]).ok();
    assert_eq!(t.read("work/v"), "from-playbook-folder yes-kept host-file");
}

#[test]
fn hostvars_reach_other_hosts_variables_and_facts() {
    let t = lab();
    t.write(
        "play.yaml",
        r#"
- name: server
  hosts: db1
  tasks:
    - command: echo node-token-123
      register: token
      changed_when: false
- name: agents
  hosts: slm
  tasks:
    - copy:
        dest: "{{ root }}/{{ inventory_hostname }}"
        content: "{{ hostvars[groups['data'][0]].token.stdout }} {{ hostvars['gpu2'].role }} {{ hostvars[inventory_hostname].inventory_hostname }}"
"#,
    );
    t.run(&["play", "play.yaml", "-i", "inventory.yaml"]).ok();
    assert_eq!(t.read("work/gpu1"), "node-token-123 special gpu1");
    assert_eq!(t.read("work/gpu2"), "node-token-123 special gpu2");
}

#[test]
fn host_patterns_and_limit() {
    let t = lab();
    t.write("play.yaml", "- hosts: \"slm:data:!gpu2\"\n  tasks:\n    - debug: { msg: hi }\n- hosts: \"all:&slm\"\n  tasks:\n    - debug: { msg: hi }\n- hosts: \"gpu*\"\n  tasks:\n    - debug: { msg: hi }\n");
    let listing = t.run(&["play", "play.yaml", "-i", "inventory.yaml", "--list-hosts"]);
    listing.ok();
    let phases: Vec<Vec<&str>> = listing
        .stdout
        .split("phase:")
        .skip(1)
        .map(|p| p.lines().skip(1).map(str::trim).filter(|l| !l.is_empty()).collect())
        .collect();
    assert_eq!(
        phases,
        [vec!["db1", "gpu1"], vec!["gpu1", "gpu2"], vec!["gpu1", "gpu2"]],
        "{}",
        listing.stdout
    );
    let limited = t.run(&["play", "play.yaml", "-i", "inventory.yaml", "-l", "gpu1"]);
    limited.ok();
    let hosts: std::collections::BTreeSet<String> =
        limited.steps().iter().map(|e| e["host"].as_str().unwrap().to_string()).collect();
    assert_eq!(hosts.into_iter().collect::<Vec<_>>(), ["gpu1"]);
}

#[test]
fn tags_select_phases_and_steps() {
    let t = lab();
    t.write(
        "play.yaml",
        r#"
- name: storage
  hosts: db1
  tags: storage
  tasks:
    - { name: s1, debug: { msg: a } }
    - { name: s2, debug: { msg: b }, tags: [fs] }
- name: k3s
  hosts: db1
  tags: [k3s]
  tasks:
    - { name: k1, debug: { msg: c } }
    - { name: always, debug: { msg: d }, tags: always }
    - { name: never, debug: { msg: e }, tags: never }
"#,
    );
    let titles = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["play", "play.yaml", "-i", "inventory.yaml"];
        all.extend(args);
        t.run(&all).ok().steps().iter().map(|e| e["step"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(titles(&[]), ["s1", "s2", "k1", "always"]);
    assert_eq!(titles(&["--tags", "storage"]), ["s1", "s2", "always"]);
    assert_eq!(titles(&["-t", "fs"]), ["s2", "always"]);
    // As in Ansible, a phase's tag counts as its steps' own, even for `never`.
    assert_eq!(titles(&["--tags", "k3s", "--skip-tags", "always"]), ["k1", "never"]);
    assert_eq!(titles(&["--skip-tags", "storage"]), ["k1", "always"]);
    assert_eq!(titles(&["--tags", "never"]), ["always", "never"]);
    let listing = t.run(&["play", "play.yaml", "-i", "inventory.yaml", "--list-tags"]);
    assert!(
        listing.stdout.contains("tags: [fs, storage]")
            && listing.stdout.contains("tags: [always, k3s]"),
        "{}",
        listing.stdout
    );
}

#[test]
fn handlers_run_once_at_phase_end_only_when_notified() {
    let t = lab();
    t.write(
        "play.yaml",
        r#"
- hosts: db1
  tasks:
    - name: first change
      copy: { dest: "{{ root }}/a", content: "1" }
      notify: restart
    - name: second change
      copy: { dest: "{{ root }}/b", content: "2" }
      notify: [restart, reload]
    - name: no change
      debug: { msg: x }
      notify: reload
  handlers:
    - name: restart
      shell: echo restarted >> {{ root }}/handler.log
    - name: reload
      listen: reload
      shell: echo reloaded >> {{ root }}/handler.log
"#,
    );
    let first = t.run(&["play", "play.yaml", "-i", "inventory.yaml"]);
    first.ok();
    assert_eq!(t.read("work/handler.log"), "restarted\nreloaded\n");
    let handler_events: Vec<_> =
        first.steps().into_iter().filter(|e| e["handler"] == true).collect();
    assert_eq!(handler_events.len(), 2);
    t.run(&["play", "play.yaml", "-i", "inventory.yaml"]).ok();
    assert_eq!(
        t.read("work/handler.log"),
        "restarted\nreloaded\n",
        "nothing changed, no handler ran"
    );
}

#[test]
fn a_failed_host_stops_while_the_others_finish() {
    let t = lab();
    t.write(
        "play.yaml",
        r#"
- hosts: all
  tasks:
    - name: fails on gpu1
      command: "false"
      when: inventory_hostname == 'gpu1'
    - name: after
      copy: { dest: "{{ root }}/{{ inventory_hostname }}", content: done }
- hosts: all
  tasks:
    - name: next phase
      copy: { dest: "{{ root }}/{{ inventory_hostname }}.2", content: done }
"#,
    );
    let run = t.run(&["play", "play.yaml", "-i", "inventory.yaml"]);
    assert_eq!(run.code, 2);
    assert!(t.path().join("work/db1").exists() && t.path().join("work/gpu2.2").exists());
    assert!(!t.path().join("work/gpu1").exists() && !t.path().join("work/gpu1.2").exists());
    assert_eq!(run.recap("gpu1")["failed"], 1);
    assert_eq!(run.recap("db1")["failed"], 0);
    assert_eq!(run.recap("db1")["skipped"], 1);
}

#[test]
fn ignore_errors_keeps_going_and_counts_ignored() {
    let t = lab();
    t.write("play.yaml", "- hosts: db1\n  tasks:\n    - { command: \"false\", ignore_errors: true }\n    - { copy: { dest: \"{{ root }}/after\", content: x } }\n");
    let run = t.run(&["play", "play.yaml", "-i", "inventory.yaml"]);
    run.ok();
    assert_eq!(run.recap("db1")["ignored"], 1);
    assert!(t.path().join("work/after").exists());
}

#[test]
fn loop_register_when_and_labels() {
    let t = lab();
    t.write(
        "play.yaml",
        r#"
- hosts: db1
  vars:
    dirs:
      - { path: hot, mode: "0700" }
      - { path: lake, mode: "0755" }
      - { path: skip-me, mode: "0755" }
  tasks:
    - name: dirs
      file: { path: "{{ root }}/{{ d.path }}", state: directory, mode: "{{ d.mode }}" }
      loop: "{{ dirs }}"
      loop_control: { loop_var: d, label: "{{ d.path }}" }
      when: d.path != 'skip-me'
      register: made
    - assert:
        that:
          - made.results | length == 3
          - made.results[0].changed
          - made.results[2].skipped
          - made.results[1].d.path == 'lake'
    - name: echo
      command: echo {{ item }}
      loop: [a, b]
      register: echoed
      changed_when: false
    - assert: { that: "echoed.results | map(attribute='stdout') | list == ['a', 'b']" }
"#,
    );
    let run = t.run(&["play", "play.yaml", "-i", "inventory.yaml"]);
    run.ok();
    let items: Vec<String> = run
        .events
        .iter()
        .filter(|e| e["event"] == "item_result" && e["step"] == "dirs")
        .map(|e| format!("{}={}", e["item"].as_str().unwrap(), e["status"].as_str().unwrap()))
        .collect();
    assert_eq!(items, ["hot=changed", "lake=changed", "skip-me=skipped"]);
    assert!(!t.path().join("work/skip-me").exists());
}

#[test]
fn until_retries_then_succeeds_or_fails() {
    let t = lab();
    t.write(
        "play.yaml",
        r#"
- hosts: db1
  tasks:
    - name: counter
      shell: n=$(cat {{ root }}/n 2>/dev/null || echo 0); echo $((n+1)) > {{ root }}/n; cat {{ root }}/n
      register: count
      until: count.stdout | int >= 3
      retries: 5
      delay: 0
      changed_when: false
    - assert: { that: "count.attempts == 3" }
    - name: never true, ignored
      command: echo kept
      register: kept
      until: false
      retries: 1
      delay: 0
      ignore_errors: true
    # As in Ansible, the last attempt's result stays registered, failed.
    - assert: { that: ["kept.stdout == 'kept'", "kept.rc == 0", "kept.attempts == 2", "kept.failed"] }
    - name: never true
      command: "true"
      register: r
      until: false
      retries: 1
      delay: 0
"#,
    );
    let run = t.run(&["play", "play.yaml", "-i", "inventory.yaml"]);
    assert_eq!(run.code, 2);
    assert_eq!(t.read("work/n"), "3\n");
    assert_eq!(run.with_status("failed"), ["db1:never true"]);
    assert!(run.stdout.contains("`until` still false after 2 attempts"), "{}", run.stdout);
}

#[test]
fn changed_when_and_failed_when_judge_the_result() {
    let t = lab();
    t.write(
        "play.yaml",
        r#"
- hosts: db1
  tasks:
    - name: grep miss is fine
      command: grep -q nothing /etc/hostname
      register: g
      failed_when: g.rc > 1
      changed_when: false
    - name: reported as changed
      command: "true"
      check_mode: false
      changed_when: true
    - name: output decides failure
      shell: echo ERROR
      register: out
      failed_when: "'ERROR' in out.stdout"
"#,
    );
    let run = t.run(&["play", "play.yaml", "-i", "inventory.yaml"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.with_status("ok"), ["db1:grep miss is fine"]);
    assert_eq!(run.with_status("changed"), ["db1:reported as changed"]);
    assert_eq!(run.with_status("failed"), ["db1:output decides failure"]);
}

#[test]
fn a_step_that_does_not_converge_fails_as_not_idempotent() {
    let t = lab();
    t.write("play.yaml", "- hosts: db1\n  tasks:\n    - name: liar\n      command: \"true\"\n      args: { check: \"false\" }\n");
    let run = t.run(&["play", "play.yaml", "-i", "inventory.yaml"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.contains("not idempotent"), "{}", run.stdout);
}

#[test]
fn check_mode_false_runs_read_only_steps_in_check_mode() {
    let t = lab();
    t.write(
        "play.yaml",
        "- hosts: db1\n  tasks:\n    - name: probe\n      command: echo 4\n      register: n\n      check_mode: false\n      changed_when: false\n    - copy: { dest: \"{{ root }}/n\", content: \"{{ n.stdout }}\" }\n",
    );
    let run = t.run(&["play", "play.yaml", "-i", "inventory.yaml", "-C"]);
    run.ok();
    assert_eq!(run.with_status("ok"), ["db1:probe"]);
    assert_eq!(run.with_status("changed"), ["db1:copy"]);
    assert!(!t.path().join("work/n").exists());
}

#[test]
fn imports_load_phase_files_with_their_tags() {
    let t = lab();
    t.write("playbooks/site.yaml", "- import: phases/01-a.yaml\n- import_playbook: phases/02-b.yaml\n  tags: [two]\n")
        .write(
            "playbooks/phases/01-a.yaml",
            "- name: one\n  hosts: db1\n  tags: [one]\n  tasks:\n    - { name: a, template: { src: t.j2, dest: \"{{ root }}/t\" } }\n",
        )
        .write("playbooks/phases/02-b.yaml", "- name: two\n  hosts: db1\n  tasks:\n    - { name: b, debug: { msg: b } }\n")
        .write("templates/t.j2", "from the project templates folder\n");
    let run = t.run(&["play", "playbooks/site.yaml", "-i", "inventory.yaml", "--tags", "one"]);
    run.ok();
    assert_eq!(run.steps().len(), 1);
    assert_eq!(t.read("work/t"), "from the project templates folder\n");
    let two = t.run(&["play", "playbooks/site.yaml", "-i", "inventory.yaml", "--tags", "two"]);
    assert_eq!(two.steps().iter().map(|e| e["step"].as_str().unwrap()).collect::<Vec<_>>(), ["b"]);
    // A phase file runs on its own too.
    t.run(&["play", "playbooks/phases/02-b.yaml", "-i", "inventory.yaml"]).ok();
}

#[test]
fn no_log_and_registered_secrets_are_redacted_everywhere() {
    let t = lab();
    let secret = "K10-s3cr3t-t0ken-value";
    t.write("token", secret).write(
        "play.yaml",
        r#"
- hosts: db1
  tasks:
    - name: read token
      command: cat {dir}/token
      register: token
      no_log: true
      changed_when: false
    - name: use it
      copy: { dest: "{{ root }}/agent.env", content: "K3S_TOKEN={{ token.stdout }}\n", mode: "0600" }
    - debug: { msg: "token is {{ token.stdout }}" }
    - name: fails loudly
      shell: "echo bad {{ token.stdout }} >&2; exit 1"
"#,
    );
    let run = t.run(&["play", "play.yaml", "-i", "inventory.yaml", "-D", "-vvv"]);
    assert_eq!(run.code, 2);
    assert_eq!(t.read("work/agent.env"), format!("K3S_TOKEN={secret}\n"), "the secret is used");
    let log = t.read(".events.jsonl");
    for (what, text) in [("stdout", &run.stdout), ("stderr", &run.stderr), ("json log", &log)] {
        assert!(!text.contains(secret), "secret leaked in {what}:\n{text}");
    }
    assert!(run.stdout.contains("token is <redacted>"), "{}", run.stdout);
}

#[test]
fn unreachable_host_exits_4_and_others_finish() {
    let t = lab();
    t.write("inventory2.yaml", "all:\n  hosts:\n    remote: { ansible_host: 127.0.0.1 }\n    here: { ansible_connection: local }\n")
        .write("play.yaml", "- hosts: all\n  tasks:\n    - copy: { dest: \"{dir}/work/{{ inventory_hostname }}\", content: x }\n");
    let run = t.run(&["play", "play.yaml", "-i", "inventory2.yaml"]);
    assert_eq!(run.code, 4, "{}", run.stdout);
    assert_eq!(run.recap("remote")["unreachable"], 1);
    assert!(t.path().join("work/here").exists());
}

#[test]
fn omit_drops_an_argument() {
    let t = lab();
    t.write(
        "play.yaml",
        "- hosts: db1\n  tasks:\n    - file: { path: \"{{ root }}/o\", state: directory, mode: \"{{ wanted_mode | default(omit) }}\" }\n",
    );
    t.run(&["play", "play.yaml", "-i", "inventory.yaml"]).ok();
    assert!(t.path().join("work/o").is_dir());
}

#[test]
fn a_loop_item_sees_the_facts_earlier_items_set() {
    let t = Test::local();
    t.write(
        "play.yaml",
        r#"
- hosts: localhost
  tasks:
    - set_fact: { seen: "{{ seen | default([]) + [item * 10] }}" }
      loop: [1, 2, 3]
    - assert: { that: ["seen == [10, 20, 30]"] }
"#,
    );
    t.run(&["play", "play.yaml"]).ok();
}

#[test]
fn phase_environment_reaches_every_step_and_a_step_overrides_it() {
    let t = Test::local();
    t.write(
        "play.yaml",
        r#"
- hosts: localhost
  environment: { GREETING: hello, PLACE: phase }
  tasks:
    - command: { argv: [sh, -c, 'echo "$GREETING $PLACE"'] }
      register: inherited
      changed_when: false
    - command: { argv: [sh, -c, 'echo "$GREETING $PLACE"'] }
      environment: { PLACE: step }
      register: overridden
      changed_when: false
    - assert: { that: ["inherited.stdout == 'hello phase'", "overridden.stdout == 'hello step'"] }
  handlers: []
"#,
    );
    t.run(&["play", "play.yaml"]).ok();
}
