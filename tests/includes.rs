//! Dynamic includes, `include_tasks` and `include_vars`, run through ansible-core and numarun:
//! a role that picks its variables and task files by a variable, an include in a loop, one under
//! a block's keywords, nested includes, `apply:`, a skipped and a missing include; compared on
//! the files written, the exit code and the recap, with and without `--tags`.

mod common;

use common::Test;
use common::ansible::{ansible_playbook, run_ansible, same_outcome, same_outcome_with};

/// A project in the shape published roles have: `roles/app` chooses its vars file and its task
/// files at run time.
fn project() -> Test {
    let t = Test::local();
    t.write("roles/app/defaults/main.yml", "app_users: [alice, bob]\n");
    t.write("roles/app/vars/debian.yml", "app_dir: \"{{ out }}/app\"\napp_mode: '0750'\n");
    t.write(
        "roles/app/tasks/main.yml",
        "- include_vars: \"{{ app_flavor }}.yml\"\n  tags: [always]\n\
         - include_tasks: { file: setup.yml, apply: { tags: [always] } }\n  tags: [always]\n\
         - name: parts\n  include_tasks: \"{{ part }}.yml\"\n  loop: [users, motd]\n  loop_control: { loop_var: part }\n  tags: [parts]\n\
         - include_tasks: other.yml\n  when: app_flavor == 'other'\n",
    );
    t.write(
        "roles/app/tasks/setup.yml",
        "- file: { path: \"{{ app_dir }}\", state: directory, mode: \"{{ app_mode }}\" }\n",
    );
    t.write(
        "roles/app/tasks/users.yml",
        "- copy: { dest: \"{{ app_dir }}/{{ item }}\", content: \"{{ item }} from {{ part }}\\n\" }\n  loop: \"{{ app_users }}\"\n  tags: [users]\n",
    );
    t.write(
        "roles/app/tasks/motd.yml",
        "- template: { src: motd.j2, dest: \"{{ app_dir }}/motd\" }\n  notify: motd changed\n",
    );
    t.write("roles/app/templates/motd.j2", "welcome to {{ app_flavor }}\n");
    t.write(
        "roles/app/handlers/main.yml",
        "- name: motd changed\n  copy: { dest: \"{{ out }}/handled\", content: \"handled\\n\" }\n",
    );
    t.write("extra/01-a.yml", "a: 1\n");
    t.write("extra/02-b.yml", "b: \"{{ app_flavor }}-b\"\na: 2\n");
    t.write("extra/notes.txt", "not variables\n");
    t.write(
        "tasks/nested.yml",
        "- copy: { dest: \"{{ out }}/nested-{{ level }}\", content: \"level {{ level }}\\n\" }\n\
         - include_tasks: leaf.yml\n",
    );
    t.write(
        "tasks/leaf.yml",
        "- copy: { dest: \"{{ out }}/leaf\", content: \"leaf {{ level }}\\n\" }\n  tags: [leaf]\n",
    );
    t.write(
        "play.yaml",
        "- hosts: localhost\n  gather_facts: false\n  vars: { app_flavor: debian }\n  roles: [app]\n  tasks:\n\
         \x20   - include_vars: { dir: extra, name: extra, ignore_unknown_extensions: true }\n\
         \x20   - copy: { dest: \"{{ out }}/extra\", content: \"{{ extra.a }} {{ extra.b }}\\n\" }\n\
         \x20   - block:\n        - include_tasks: tasks/nested.yml\n          vars: { level: 1 }\n      tags: [outer]\n\
         \x20   - include_tasks:\n        file: tasks/leaf.yml\n        apply: { tags: [applied] }\n      vars: { level: 2 }\n\
         \x20   - include_tasks: tasks/missing-{{ app_flavor }}.yml\n      ignore_errors: true\n",
    );
    t
}

#[test]
fn include_tasks_and_include_vars_run_as_in_ansible() {
    let Some(ansible) = ansible_playbook() else { return };
    let t = project();
    // The missing include fails the host despite `ignore_errors`, as in ansible-core: the
    // notified handler never runs.
    same_outcome(&t, &ansible, 7);
    assert_eq!(t.read("by-numarun/app/alice"), "alice from users\n");
    assert_eq!(t.read("by-numarun/extra"), "2 debian-b\n");
    assert_eq!(t.read("by-numarun/leaf"), "leaf 2\n");
}

/// An include's own tags select the include, not its steps; a block's tags reach the steps it
/// includes, and so do `apply:`'s.
#[test]
fn tags_select_includes_as_in_ansible() {
    let Some(ansible) = ansible_playbook() else { return };
    let t = project();
    for (tags, written) in
        [("parts", 1), ("parts,users", 3), ("outer", 3), ("applied", 1), ("leaf", 1)]
    {
        eprintln!("-t {tags}");
        same_outcome_with(&t, &ansible, written, &["-t", tags]);
    }
}

/// `become` on an include itself: both refuse it before anything runs, numarun pointing to
/// `apply:`.
#[test]
fn keywords_an_include_does_not_take_are_refused() {
    let Some(ansible) = ansible_playbook() else { return };
    let t = Test::local();
    t.write("leaf.yml", "- debug: { msg: hi }\n");
    t.write(
        "play.yaml",
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - include_tasks: leaf.yml\n      become: true\n",
    );
    let (code, output) = run_ansible(&t, &ansible, &["play.yaml"]);
    assert_ne!(code, 0, "{output}");
    let run = t.run(&["play", "play.yaml"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("play.yaml:5:7"), "{}", run.stderr);
    assert!(run.stderr.contains("`become` is not a keyword of `include_tasks`"), "{}", run.stderr);
    assert!(run.stderr.contains("apply:"), "{}", run.stderr);
}

/// `include_role` as roles are included in the field: per item of a loop, under `when`, with
/// `tasks_from` and `vars_from`, `apply:` tags, a dependency, a handler its steps notify, its
/// defaults private to its own steps unless `public: true`; both must write the same files and count alike, with and
/// without `-t`.
#[test]
fn include_role_runs_as_in_ansible() {
    let Some(ansible) = ansible_playbook() else { return };
    let t = Test::local();
    t.write(
        "roles/base/tasks/main.yml",
        "- copy: { dest: \"{{ out }}/base-{{ site }}\", content: \"base\\n\" }\n",
    );
    t.write("roles/site/meta/main.yml", "dependencies: [base]\n");
    t.write("roles/site/defaults/main.yml", "port: 80\n");
    t.write("roles/site/vars/tls.yml", "port: 443\n");
    t.write(
        "roles/site/tasks/main.yml",
        "- copy: { dest: \"{{ out }}/{{ site }}.conf\", content: \"{{ site }} on {{ port }}\\n\" }\n  notify: reload\n",
    );
    t.write(
        "roles/site/tasks/remove.yml",
        "- file: { path: \"{{ out }}/{{ site }}.conf\", state: absent }\n",
    );
    t.write(
        "roles/site/handlers/main.yml",
        "- name: reload\n  copy: { dest: \"{{ out }}/reloaded\", content: \"reloaded\\n\" }\n",
    );
    t.write(
        "play.yaml",
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n\
         \x20   - include_role: { name: site }\n      vars: { site: \"{{ item }}\" }\n      loop: [alpha, beta]\n\
         \x20   - include_role: { name: site, vars_from: tls, apply: { tags: [tls] } }\n      vars: { site: gamma }\n      tags: [tls]\n\
         \x20   - include_role: { name: site, tasks_from: remove }\n      vars: { site: beta }\n      when: out is defined\n\
         \x20   - include_role: { name: \"{{ 'si' ~ 'te' }}\" }\n      vars: { site: never }\n      when: false\n\
         \x20   - copy: { dest: \"{{ out }}/port\", content: \"{{ port | default('private') }}\\n\" }\n\
         \x20   - include_role: { name: site, tasks_from: remove, public: true }\n      vars: { site: alpha }\n\
         \x20   - copy: { dest: \"{{ out }}/port-public\", content: \"port {{ port }}\\n\" }\n",
    );
    // The dependency runs once (for the first inclusion), as in ansible-core; after a `public`
    // include, the role's defaults are the play's.
    same_outcome(&t, &ansible, 5);
    assert_eq!(t.read("by-numarun/port-public"), "port 80\n");
    assert_eq!(t.read("by-numarun/gamma.conf"), "gamma on 443\n");
    assert_eq!(t.read("by-numarun/port"), "private\n");
    same_outcome_with(&t, &ansible, 3, &["-t", "tls"]);
}
