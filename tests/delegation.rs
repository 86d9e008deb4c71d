//! Where a step runs: `run_once` (the batch's first host runs it, every host takes its result)
//! and `delegate_to` / `local_action` (another host runs it for this one), through ansible-core
//! and numarun over several hosts, and over a real sshd where the delegate is another machine.

mod common;

use common::ansible::{ansible_playbook, same_outcome_on};
use common::{Sshd, Test};

/// `run_once` runs on the first host and hands its registered result and facts to all; only
/// that host counts it; a delegated `run_once` writes once; `local_action` runs here.
#[test]
fn run_once_and_delegation_act_as_in_ansible() {
    let Some(ansible) = ansible_playbook() else { return };
    let t = Test::local();
    let hosts = ["app1", "app2", "app3"];
    let lines: String = hosts.iter().map(|h| format!("{h} ansible_connection=local\n")).collect();
    t.write("hosts.ini", &format!("[app]\n{lines}"));
    t.write(
        "play.yaml",
        "- hosts: app\n  gather_facts: false\n  tasks:\n\
         \x20   - command: echo {{ inventory_hostname }}\n      register: first\n      run_once: true\n\
         \x20   - set_fact: { leader: \"{{ inventory_hostname }}\" }\n      run_once: true\n\
         \x20   - copy: { dest: \"{{ out }}/{{ inventory_hostname }}\", content: \"{{ first.stdout }} {{ leader }}\\n\" }\n\
         \x20   - copy: { dest: \"{{ out }}/once-{{ inventory_hostname }}\", content: \"x\\n\" }\n      delegate_to: localhost\n      run_once: true\n\
         \x20   - local_action: { module: copy, dest: \"{{ out }}/local-{{ inventory_hostname }}\", content: \"x\\n\" }\n\
         \x20   - local_action: command touch {{ out }}/touched-{{ inventory_hostname }}\n",
    );
    same_outcome_on(&t, &ansible, "hosts.ini", &hosts, 3 + 1 + 3 + 3);
    assert_eq!(t.read("by-numarun/app3"), "app1 app1\n");
}

/// Over SSH, a step delegated to the controller runs there, as the controller's user, with the
/// controller's connection; the host's own steps run on the host, as its user; the variables
/// stay the host's.
#[test]
fn a_delegated_step_runs_over_the_delegates_connection() {
    let t = Test::new();
    let sshd = Sshd::start();
    let known_hosts = t.path().join(".known_hosts");
    std::fs::write(&known_hosts, sshd.known_hosts_line()).unwrap();
    t.write(
        "inventory.yaml",
        &format!(
            "all:\n  hosts:\n    web: {}\n    controller: {{ ansible_connection: local }}\n",
            sshd.vars(&known_hosts)
        ),
    );
    t.write(
        "play.yaml",
        "- hosts: web\n  gather_facts: false\n  tasks:\n\
         \x20   - command: id -un\n      register: remote\n\
         \x20   - command: id -un\n      register: delegated\n      delegate_to: controller\n\
         \x20   - command: id -un\n      register: local\n      delegate_to: localhost\n\
         \x20   - copy: { dest: \"{dir}/seen\", content: \"{{ inventory_hostname }} {{ remote.stdout }} {{ delegated.stdout }} {{ local.stdout }}\\n\" }\n      delegate_to: controller\n",
    );
    let run = t.run(&["play", "play.yaml"]);
    run.ok();
    let me =
        String::from_utf8(std::process::Command::new("id").arg("-un").output().unwrap().stdout)
            .unwrap();
    let me = me.trim();
    assert_eq!(t.read("seen"), format!("web {} {me} {me}\n", common::USER));
    // Written here, by this user: not through the host's SSH user.
    let owner =
        std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(t.path().join("seen")).unwrap());
    assert_eq!(owner, unsafe { libc::geteuid() });
}

/// `ignore_unreachable`: a step whose delegate cannot be reached counts ignored (and ok, as
/// ansible-core counts it) and the host goes on; without it the host is unreachable and stops.
#[test]
fn ignore_unreachable_lets_a_host_go_on_past_an_unreachable_delegate() {
    let Some(ansible) = ansible_playbook() else { return };
    let t = Test::local();
    // Nothing listens on port 1: the connection is refused at once.
    t.write(
        "hosts.ini",
        "app1 ansible_connection=local\nghost ansible_host=127.0.0.1 ansible_port=1 ansible_connection=ssh\n",
    );
    t.write(
        "play.yaml",
        "- hosts: app1\n  gather_facts: false\n  tasks:\n\
         \x20   - command: echo hi\n      delegate_to: ghost\n      ignore_unreachable: true\n\
         \x20   - block:\n        - command: echo again\n          delegate_to: ghost\n      ignore_unreachable: true\n\
         \x20   - copy: { dest: \"{{ out }}/after\", content: \"x\\n\" }\n",
    );
    same_outcome_on(&t, &ansible, "hosts.ini", &["app1"], 1);
}

/// `delegate_facts`: the facts a delegated step sets (`set_fact`, gathered facts) are the
/// delegate's: seen through `hostvars` at once, and as its own in its next play; the host that
/// ran the step has none of them.
#[test]
fn delegated_facts_belong_to_the_delegate() {
    let Some(ansible) = ansible_playbook() else { return };
    let t = Test::local();
    t.write(
        "hosts.ini",
        "[app]\napp1 ansible_connection=local\n[db]\ndb1 ansible_connection=local\n",
    );
    t.write(
        "play.yaml",
        "- hosts: app\n  gather_facts: false\n  tasks:\n\
         \x20   - set_fact: { tier: database }\n      delegate_to: db1\n      delegate_facts: true\n\
         \x20   - setup: { gather_subset: [min] }\n      delegate_to: db1\n      delegate_facts: true\n\
         \x20   - copy: { dest: \"{{ out }}/app1\", content: \"{{ hostvars['db1'].tier }} {{ tier | default('none') }} {{ hostvars['db1'].ansible_facts.system }} {{ ansible_facts.system | default('none') }}\\n\" }\n\
         - hosts: db\n  gather_facts: false\n  tasks:\n\
         \x20   - copy: { dest: \"{{ out }}/db1\", content: \"{{ tier }} {{ ansible_system }}\\n\" }\n",
    );
    same_outcome_on(&t, &ansible, "hosts.ini", &["app1", "db1"], 2);
    assert_eq!(t.read("by-numarun/app1"), "database none Linux none\n");
}
