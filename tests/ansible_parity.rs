//! The same content through ansible-core and numarun, where numarun claims Ansible's behaviour
//! (`common::ansible` runs both).

mod common;

use common::Test;
use common::ansible::{ansible_playbook, both_counted, same_outcome, same_outcome_with};

/// Runs a playbook through both on this machine; their exit codes and outputs.
fn both(t: &Test, playbook: &str) -> Option<((i32, String), (i32, String))> {
    let ansible = ansible_playbook()?;
    t.write("play.yaml", playbook);
    let out = std::process::Command::new(ansible)
        .args([
            "-i",
            "localhost,",
            "-c",
            "local",
            "-e",
            "ansible_python_interpreter=/usr/bin/python3",
            "play.yaml",
        ])
        .current_dir(t.path())
        .env("ANSIBLE_NOCOLOR", "1")
        .output()
        .unwrap();
    let text = |o: &std::process::Output| {
        format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
    };
    let run = t.run(&["play", "play.yaml"]);
    Some((
        (out.status.code().unwrap_or(-1), text(&out)),
        (run.code, format!("{}{}", run.stdout, run.stderr)),
    ))
}

#[test]
fn an_until_that_never_holds_keeps_the_last_result_registered() {
    let t = Test::local();
    let play = "- hosts: localhost\n  gather_facts: false\n  tasks:\n\
                \x20   - command: echo kept\n      register: kept\n      until: kept.rc == 99\n      retries: 1\n      delay: 0\n      ignore_errors: true\n\
                \x20   - assert: { that: [\"kept.stdout == 'kept'\", \"kept.rc == 0\", \"kept.failed\"] }\n";
    let Some(((ansible, a_out), (numarun, n_out))) = both(&t, play) else { return };
    assert_eq!(ansible, 0, "ansible-core:\n{a_out}");
    assert_eq!(numarun, 0, "numarun:\n{n_out}");
}

#[test]
fn an_empty_playbook_is_refused() {
    for empty in ["", "[]\n"] {
        let t = Test::local();
        let Some(((ansible, a_out), (numarun, n_out))) = both(&t, empty) else { return };
        assert_ne!(ansible, 0, "ansible-core ran {empty:?}:\n{a_out}");
        assert_ne!(numarun, 0, "numarun ran {empty:?}:\n{n_out}");
        assert!(n_out.contains("play.yaml"), "numarun does not name the file:\n{n_out}");
    }
}

/// Runs `play.yaml` with these inventories through both, each told where to write by `out`:
/// `by-ansible` and `by-numarun` beside the play. Both must succeed.
fn both_with_inventories(t: &Test, ansible: &str, inventories: &[&str]) {
    let dir = t.path().display();
    let inventory_args: Vec<&str> = inventories.iter().flat_map(|i| ["-i", *i]).collect();
    let out = std::process::Command::new(ansible)
        .args(&inventory_args)
        .args(["-e", "ansible_python_interpreter=/usr/bin/python3"])
        .args(["-e", &format!("out={dir}/by-ansible"), "play.yaml"])
        .current_dir(t.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let out_numarun = format!("out={dir}/by-numarun");
    let mut args = vec!["play", "play.yaml"];
    args.extend(&inventory_args);
    args.extend(["-e", &out_numarun]);
    t.run(&args).ok();
}

/// Runs `play.yaml` through both, each writing into a folder of its own (`out`), and compares
/// what they wrote: the same files, modes and bytes, `files` of them.
fn same_files_written(t: &Test, ansible: &str, inventories: &[&str], files: usize) {
    for out in ["by-ansible", "by-numarun"] {
        std::fs::create_dir(t.path().join(out)).unwrap();
    }
    both_with_inventories(t, ansible, inventories);
    let ansible_saw = t.tree("by-ansible");
    assert_eq!(ansible_saw.len(), files, "{ansible_saw:?}");
    assert_eq!(t.tree("by-numarun"), ansible_saw);
}

/// `-i a -i b`: hosts and groups are the union, and the later file wins on a variable both set.
#[test]
fn two_inventories_merge_and_the_later_one_wins() {
    let t = Test::local();
    let Some(ansible) = ansible_playbook() else { return };
    t.write(
        "a.yaml",
        "all:\n  vars: { where: a, kept: from-a }\n  children:\n    web:\n      hosts:\n\
         \x20       w1: { ansible_connection: local, port: 1 }\n",
    );
    t.write(
        "b.yaml",
        "all:\n  vars: { where: b }\n  children:\n    web:\n      vars: { tier: web }\n      hosts:\n\
         \x20       w1: { port: 2 }\n    db:\n      hosts:\n        w1:\n",
    );
    t.write(
        "play.yaml",
        "- hosts: web\n  gather_facts: false\n  tasks:\n\
         \x20   - copy:\n        dest: \"{{ out }}\"\n\
         \x20       content: \"{{ where }} {{ kept }} {{ port }} {{ tier }} {{ groups['db'] | join(',') }}\\n\"\n",
    );
    both_with_inventories(&t, &ansible, &["a.yaml", "b.yaml"]);
    assert_eq!(t.read("by-ansible"), "b from-a 2 web w1\n");
    assert_eq!(t.read("by-numarun"), t.read("by-ansible"));
}

/// An INI inventory as people write them: ungrouped hosts, ranges, `:vars` with numbers, quoted
/// strings and `true` (a string in INI), `:children`, `[all:vars]`; every host reports what it
/// sees, through both.
#[test]
fn an_ini_inventory_reads_as_ansible_reads_it() {
    let t = Test::local();
    let Some(ansible) = ansible_playbook() else { return };
    t.write(
        "hosts",
        "# the fleet\nlonely ansible_connection=local\n\n[web]\nweb[01:03] ansible_connection=local http_port=8080\n\n\
         [db]\ndb-[a:b] ansible_connection=local\n\n[db:vars]\nreplicas=3\nmotd='hello world'\nenabled=true\nratio=1.5\n\n\
         [servers:children]\nweb\ndb\n\n[servers:vars]\ntier=backend\n\n; last\n[all:vars]\nowner=ops\n",
    );
    t.write(
        "play.yaml",
        "- hosts: all\n  gather_facts: false\n  tasks:\n\
         \x20   - copy:\n        dest: \"{{ out }}/{{ inventory_hostname }}\"\n\
         \x20       content: \"{{ group_names | join(',') }} {{ http_port | default('-') }} {{ (replicas | default(0)) + 1 }}\
          {{ motd | default('-') }} {{ enabled | default('-') }} {{ (enabled is string) if enabled is defined else '-' }}\
          {{ ratio | default('-') }} {{ tier | default('-') }} {{ owner }} {{ groups['servers'] | sort | join(',') }}\\n\"\n",
    );
    same_files_written(&t, &ansible, &["hosts"], 6);
}

/// `ansible.cfg` in the folder the command runs in names the inventory (relative to the file)
/// and its defaults: no `-i` needed, through both.
#[test]
fn ansible_cfg_names_the_inventory_when_no_i_is_given() {
    // No inventory.yaml: the test's runner would name it.
    let t = Test::new();
    let Some(ansible) = ansible_playbook() else { return };
    std::fs::create_dir(t.path().join("inv")).unwrap();
    t.write("inv/hosts", "[web]\nw1 ansible_connection=local\nw2 ansible_connection=local\n");
    t.write(
        "ansible.cfg",
        "# the project's settings\n[defaults]\ninventory = inv/hosts\nforks = 1\nremote_user = deploy\n",
    );
    t.write(
        "play.yaml",
        "- hosts: web\n  gather_facts: false\n  tasks:\n\
         \x20   - copy:\n        dest: \"{{ out }}/{{ inventory_hostname }}\"\n\
         \x20       content: \"{{ groups['web'] | sort | join(',') }}\\n\"\n",
    );
    same_files_written(&t, &ansible, &[], 2);
}

/// `loop_control` as roles use it: a named loop variable, `index_var`, `extended` (`ansible_loop`
/// with its place in the loop), a label and a pause, through both.
#[test]
fn loop_control_names_counts_and_places_each_item() {
    let t = Test::local();
    let Some(ansible) = ansible_playbook() else { return };
    t.write(
        "play.yaml",
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n\
         \x20   - copy:\n        dest: \"{{ out }}/{{ idx }}-{{ fruit }}\"\n\
         \x20       content: \"{{ ansible_loop.index }}/{{ ansible_loop.length }} {{ ansible_loop.index0 }}\
          first={{ ansible_loop.first }} last={{ ansible_loop.last }} rev={{ ansible_loop.revindex }},{{ ansible_loop.revindex0 }}\
          prev={{ ansible_loop.previtem | default('-') }} next={{ ansible_loop.nextitem | default('-') }}\
          all={{ ansible_loop.allitems | join(',') }}\\n\"\n\
         \x20     loop: [apple, banana, cherry]\n\
         \x20     loop_control: { loop_var: fruit, index_var: idx, extended: true, label: \"{{ idx }}:{{ fruit }}\", pause: 0.1 }\n\
         \x20     register: copied\n\
         \x20   - copy:\n        dest: \"{{ out }}/registered\"\n\
         \x20       content: \"{% for r in copied.results %}{{ r.ansible_loop_var }}={{ r.fruit }} {{ r.ansible_index_var }}={{ r.idx }};{% endfor %}\\n\"\n",
    );
    same_files_written(&t, &ansible, &[], 4);
}

/// Blocks (nested, with `when`, `vars`, `tags`) and `import_tasks` (with `vars`, importing
/// again from its own folder), as a role's task files use them, through both: the same files
/// and the same recap.
#[test]
fn blocks_and_imported_tasks_hand_their_keywords_down() {
    let t = Test::local();
    let Some(ansible) = ansible_playbook() else { return };
    t.write(
        "play.yaml",
        "- hosts: localhost\n  gather_facts: false\n  vars: { greeting: hello }\n  tasks:\n\
         \x20   - name: configuration\n      block:\n\
         \x20       - copy: { dest: \"{{ out }}/a.txt\", content: \"{{ greeting }} {{ who }}\\n\", mode: '0640' }\n\
         \x20       - copy: { dest: \"{{ out }}/never.txt\", content: x }\n          when: false\n\
         \x20       - block:\n            - copy: { dest: \"{{ out }}/nested.txt\", content: \"{{ who }} {{ level }}\\n\" }\n          vars: { level: inner }\n\
         \x20     vars: { who: block }\n      when: greeting == 'hello'\n      tags: [config]\n\
         \x20   - block:\n        - copy: { dest: \"{{ out }}/off.txt\", content: x }\n      when: greeting == 'bye'\n\
         \x20   - import_tasks: tasks/extra.yaml\n      vars: { who: imported }\n",
    );
    t.write(
        "tasks/extra.yaml",
        "- copy: { dest: \"{{ out }}/extra.txt\", content: \"{{ who }}\\n\" }\n- import_tasks: more.yaml\n",
    );
    t.write(
        "tasks/more.yaml",
        "- copy: { dest: \"{{ out }}/more.txt\", content: \"more {{ who }}\\n\" }\n",
    );
    // The same files, exit code and recap counts as ansible-core's run of the same play.
    same_outcome(&t, &ansible, 4);
}

/// `rescue` and `always` as roles use them: a failure in a block's body sends the host to its
/// rescue, which is told what failed (`ansible_failed_task`, `ansible_failed_result`) and takes
/// the host back; `always` runs either way; a block with no rescue still fails the host after
/// its `always`, and nothing after it runs. Both must write the same files, exit alike and count
/// alike (`failed`, `rescued`).
#[test]
fn rescue_takes_a_host_back_and_always_runs_either_way() {
    let t = Test::local();
    let Some(ansible) = ansible_playbook() else { return };
    t.write(
        "play.yaml",
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n\
         \x20   - block:\n        - name: breaks\n          command: /bin/false\n\
         \x20       - copy: { dest: \"{{ out }}/never.txt\", content: x }\n\
         \x20     rescue:\n        - copy: { dest: \"{{ out }}/rescued.txt\", content: \"{{ ansible_failed_task.name }} rc={{ ansible_failed_result.rc }}\\n\" }\n\
         \x20     always:\n        - copy: { dest: \"{{ out }}/always.txt\", content: \"always\\n\", mode: '0600' }\n\
         \x20   - block:\n        - block:\n            - copy: { dest: \"{{ out }}/inner.txt\", content: \"inner\\n\" }\n\
         \x20         always:\n            - command: /bin/false\n\
         \x20     rescue:\n        - copy: { dest: \"{{ out }}/outer-rescue.txt\", content: \"rc {{ ansible_failed_result.rc }}\\n\" }\n\
         \x20   - block:\n        - command: /bin/false\n\
         \x20     always:\n        - copy: { dest: \"{{ out }}/last-always.txt\", content: \"still\\n\" }\n\
         \x20   - copy: { dest: \"{{ out }}/not-reached.txt\", content: x }\n",
    );
    same_outcome(&t, &ansible, 5);
}

/// A web-server role in the shape published roles have: defaults, vars, a template and a file of
/// its own, a handler, a task file it imports, a dependency (`meta/`), parameters; listed in a
/// play's `roles:` beside `pre_tasks` and `tasks`, and imported again with `tasks_from`. The
/// dependency listed again runs once. Both must write the same files and count alike.
#[test]
fn a_role_with_defaults_vars_handlers_files_and_a_dependency_runs_as_in_ansible() {
    let t = Test::local();
    let Some(ansible) = ansible_playbook() else { return };
    t.write("roles/common/files/common.txt", "shared by every server\n");
    t.write(
        "roles/common/tasks/main.yml",
        "- copy: { src: common.txt, dest: \"{{ out }}/common.txt\", mode: '0644' }\n",
    );
    t.write("roles/web/meta/main.yml", "dependencies:\n  - common\n");
    t.write("roles/web/defaults/main.yml", "web_port: 80\nweb_name: default-site\n");
    t.write("roles/web/vars/main.yml", "web_user: www\n");
    t.write(
        "roles/web/templates/site.conf.j2",
        "port={{ web_port }} name={{ web_name }} user={{ web_user }}\n",
    );
    t.write("roles/web/files/index.html", "<h1>hello</h1>\n");
    t.write(
        "roles/web/tasks/main.yml",
        "- name: site folder\n  file: { path: \"{{ out }}/web\", state: directory, mode: '0755' }\n\
         - name: site configuration\n  template: { src: site.conf.j2, dest: \"{{ out }}/web/site.conf\" }\n  notify: reload web\n\
         - import_tasks: extra.yml\n\
         - copy: { src: index.html, dest: \"{{ out }}/web/index.html\" }\n",
    );
    t.write(
        "roles/web/tasks/extra.yml",
        "- copy: { dest: \"{{ out }}/web/who\", content: \"{{ role_name }} {{ web_user }}\\n\" }\n",
    );
    t.write(
        "roles/web/handlers/main.yml",
        "- name: reload web\n  copy: { dest: \"{{ out }}/web/reloaded\", content: \"reloaded {{ web_name }}\\n\" }\n",
    );
    t.write(
        "play.yaml",
        "- hosts: localhost\n  gather_facts: false\n  vars: { web_name: from-play }\n\
         \x20 pre_tasks:\n    - copy: { dest: \"{{ out }}/first.txt\", content: \"first\\n\" }\n\
         \x20 roles:\n    - role: web\n      web_port: 8080\n    - common\n\
         \x20 tasks:\n    - import_role: { name: web, tasks_from: extra }\n\
         \x20   - copy: { dest: \"{{ out }}/after.txt\", content: \"after {{ web_port | default('none') }}\\n\" }\n",
    );
    same_outcome(&t, &ansible, 8);
}

/// `roles_path` in ansible.cfg names where roles are found; a role's parameters, `when` and
/// `tags` on its entry apply to its steps; its `vars/` beat the play's vars, its `defaults/` lose
/// to them.
#[test]
fn roles_are_found_on_the_configured_roles_path_and_take_their_entry_keywords() {
    let t = Test::local();
    let Some(ansible) = ansible_playbook() else { return };
    t.write("ansible.cfg", "[defaults]\nroles_path = shared-roles\n");
    t.write("shared-roles/users/defaults/main.yml", "greeting: hi\nshell: /bin/sh\n");
    t.write("shared-roles/users/vars/main.yml", "home_base: /srv/home\n");
    t.write(
        "shared-roles/users/tasks/main.yml",
        "- copy: { dest: \"{{ out }}/{{ user }}\", content: \"{{ greeting }} {{ user }} {{ shell }} {{ home_base }}\\n\" }\n",
    );
    t.write(
        "play.yaml",
        "- hosts: localhost\n  gather_facts: false\n  vars: { shell: /bin/bash, home_base: /home }\n  roles:\n\
         \x20   - { role: users, user: alice }\n\
         \x20   - { role: users, user: bob, greeting: hello }\n\
         \x20   - role: users\n      user: carol\n      when: false\n",
    );
    same_outcome(&t, &ansible, 2);
}

/// The play keyword `connection: local` runs the play on this machine for hosts the inventory
/// names without a connection; a host whose inventory says `ansible_connection` keeps it (the
/// variable beats the keyword). Both must write the same files.
#[test]
fn the_connection_keyword_is_a_default_the_inventory_overrides() {
    let t = Test::local();
    let Some(ansible) = ansible_playbook() else { return };
    t.write(
        "hosts.yaml",
        "all:\n  hosts:\n    web1: { ansible_host: 192.0.2.1 }\n    db1: { ansible_host: 192.0.2.2, ansible_connection: local }\n",
    );
    t.write(
        "play.yaml",
        "- hosts: all\n  gather_facts: false\n  connection: local\n  tasks:\n\
         \x20   - copy: { dest: \"{{ out }}/{{ inventory_hostname }}\", content: \"{{ ansible_connection }}\\n\" }\n",
    );
    same_files_written(&t, &ansible, &["hosts.yaml"], 2);
}

/// `become_method: su` over SSH: the login user becomes another with that user's password (as
/// su asks), runs a command and writes a file as it; a wrong password fails the step. (ansible-core
/// needs world-readable temporary files to hand its module to an unprivileged user; numarun
/// sends none.)
/// ansible-core types the password at su's prompt on a terminal; numarun writes it to su's
/// stdin. Both must count and record the same.
#[test]
fn become_method_su_becomes_the_user_ansible_becomes() {
    let t = Test::local();
    let Some(ansible) = ansible_playbook() else { return };
    common::sudo_user("nrsuparity", Some("Pw-su-parity-1"));
    let sshd = common::Sshd::start();
    let shared = sshd.scratch().join("shared");
    std::fs::create_dir_all(&shared).unwrap();
    std::fs::set_permissions(&shared, std::os::unix::fs::PermissionsExt::from_mode(0o1777))
        .unwrap();
    let known_hosts = t.path().join("known_hosts");
    std::fs::write(&known_hosts, sshd.known_hosts_line()).unwrap();
    t.write(
        "hosts.yaml",
        &format!(
            "all:\n  hosts:\n    target:\n      ansible_connection: ssh\n      ansible_host: 127.0.0.1\n      ansible_port: {}\n      ansible_user: {}\n      ansible_ssh_private_key_file: {}\n      ansible_ssh_common_args: -o UserKnownHostsFile={}\n      ansible_become_password: Pw-su-parity-1\n      ansible_shell_allow_world_readable_temp: true\n",
            sshd.port,
            common::USER,
            common::client_key().display(),
            known_hosts.display()
        ),
    );
    t.write(
        "play.yaml",
        &format!(
            r#"- hosts: target
  gather_facts: false
  vars: {{ shared: {} }}
  tasks:
    - command: id -un
      become: true
      become_method: su
      become_user: nrsuparity
      register: who
      changed_when: false
    - copy: {{ dest: "{{{{ shared }}}}/{{{{ out | basename }}}}", content: "x\n", mode: "0640" }}
      become: true
      become_method: su
      become_user: nrsuparity
      register: made
    - stat: {{ path: "{{{{ shared }}}}/{{{{ out | basename }}}}" }}
      register: st
    - copy:
        dest: "{{{{ out }}}}/result"
        content: "{{{{ who.stdout }}}} {{{{ made.changed }}}} {{{{ st.stat.pw_name }}}} {{{{ st.stat.mode }}}}\n"
      delegate_to: localhost
"#,
            shared.display()
        ),
    );
    common::ansible::same_outcome_on(&t, &ansible, "hosts.yaml", &["target"], 1);
    assert_eq!(t.read("by-numarun/result"), "nrsuparity True nrsuparity 0640\n");
    // A wrong password: su refuses, the step fails, the play goes on past it.
    let hosts = t.read("hosts.yaml").replace("Pw-su-parity-1", "not-the-password");
    t.write("hosts.yaml", &hosts);
    t.write(
        "play.yaml",
        "- hosts: target\n  gather_facts: false\n  tasks:\n    - command: id -un\n      become: true\n      become_method: su\n      become_user: nrsuparity\n      ignore_errors: true\n      register: refused\n    - copy: { dest: \"{{ out }}/refused\", content: \"refused={{ refused.failed }}\\n\" }\n      delegate_to: localhost\n",
    );
    common::ansible::same_outcome_on(&t, &ansible, "hosts.yaml", &["target"], 1);
    assert_eq!(t.read("by-numarun/refused"), "refused=True\n");
}

/// The `with_*` loops roles still use: `with_dict`, `with_together` (the shorter list padded),
/// `with_sequence` (`end` and `count`, `stride`, `format`), `with_subelements` (with
/// `skip_missing`), `with_nested`, `with_items` (flattening one level), `with_fileglob` (under
/// `files/`). Both must write the same files.
#[test]
fn with_loops_make_the_items_ansible_makes() {
    let t = Test::local();
    let Some(ansible) = ansible_playbook() else { return };
    t.write("files/conf/a.conf", "a\n");
    t.write("files/conf/b.conf", "b\n");
    t.write("files/conf/c.txt", "c\n");
    t.write(
        "play.yaml",
        "- hosts: localhost\n  gather_facts: false\n  vars:\n\
         \x20   users:\n      - { name: alice, keys: [k1, k2] }\n      - { name: bob, keys: [k3] }\n      - { name: carol }\n\
         \x20   ports: { http: 80, https: 443 }\n  tasks:\n\
         \x20   - copy: { dest: \"{{ out }}/dict-{{ item.key }}\", content: \"port {{ item.value }}\\n\" }\n      with_dict: \"{{ ports }}\"\n\
         \x20   - copy: { dest: \"{{ out }}/together-{{ item.0 }}\", content: \"v {{ item.1 | default('-', true) }}\\n\" }\n      with_together: [[a, b, c], [1, 2]]\n\
         \x20   - copy: { dest: \"{{ out }}/{{ item }}\", content: \"seq\\n\" }\n      with_sequence: start=1 end=5 stride=2 format=web%02d\n\
         \x20   - copy: { dest: \"{{ out }}/count-{{ item }}\", content: \"n\\n\" }\n      with_sequence: count=2\n\
         \x20   - copy: { dest: \"{{ out }}/sub-{{ item.0.name }}-{{ item.1 }}\", content: \"key\\n\" }\n      with_subelements: [\"{{ users }}\", keys, { skip_missing: true }]\n\
         \x20   - copy: { dest: \"{{ out }}/nested-{{ item.0 }}-{{ item.1 }}\", content: \"x\\n\" }\n      with_nested: [[x, y], [1, 2]]\n\
         \x20   - copy: { dest: \"{{ out }}/items-{{ item }}\", content: \"i\\n\" }\n      with_items: [[p, q], r]\n\
         \x20   - copy: { src: \"{{ item }}\", dest: \"{{ out }}/glob-{{ item | basename }}\" }\n      with_fileglob: [\"conf/*.conf\"]\n",
    );
    same_files_written(&t, &ansible, &[], 22);
}

/// Gathered facts, as playbooks use them, through both on this machine: the distribution and
/// its version, family, names, memory, CPUs, kernel, architecture, the default IPv4 route, the
/// addresses, the service and package managers, the user, the mounts and block devices, the
/// date, the environment; as `ansible_facts.NAME` and as `ansible_NAME`. The same files, the
/// same recap (gathering counts as a step, as in Ansible).
#[test]
fn gathered_facts_are_the_facts_ansible_gathers() {
    let t = Test::local();
    let Some(ansible) = ansible_playbook() else { return };
    let facts = [
        "ansible_distribution",
        "ansible_distribution_version",
        "ansible_distribution_major_version",
        "ansible_distribution_release",
        "ansible_os_family",
        "ansible_hostname",
        "ansible_fqdn",
        "ansible_memtotal_mb",
        "ansible_processor_vcpus",
        "ansible_processor_cores",
        "ansible_architecture",
        "ansible_kernel",
        "ansible_system",
        "ansible_default_ipv4.address",
        "ansible_default_ipv4.interface",
        "ansible_default_ipv4.gateway",
        "ansible_default_ipv4.netmask",
        "ansible_all_ipv4_addresses | sort",
        "ansible_service_mgr",
        "ansible_pkg_mgr",
        "ansible_user_id",
        "ansible_user_dir",
        "ansible_env.HOME",
        "ansible_mounts | map(attribute='mount') | sort",
        "ansible_mounts | map(attribute='size_total') | list",
        "ansible_devices.keys() | sort",
        "ansible_date_time.date",
        "ansible_facts.distribution",
        "ansible_facts['os_family']",
    ];
    let tasks: String = facts
        .iter()
        .enumerate()
        .map(|(i, fact)| {
            format!(
                "    - copy: {{ dest: \"{{{{ out }}}}/{i:02}\", content: \"{{{{ {fact} }}}};\" }}\n"
            )
        })
        .collect();
    t.write("play.yaml", &format!("- hosts: localhost\n  gather_facts: true\n  tasks:\n{tasks}"));
    let (ansible_code, ansible_counts, numarun_code, numarun_counts) = both_counted(&t, &ansible);
    assert_eq!((numarun_code, numarun_counts), (ansible_code, ansible_counts));
    let (by_numarun, by_ansible) = (t.tree("by-numarun"), t.tree("by-ansible"));
    for file in by_ansible.keys() {
        let read = |dir: &str| std::fs::read_to_string(t.path().join(dir).join(file)).unwrap();
        let fact = facts[file.to_string_lossy().parse::<usize>().unwrap()];
        assert_eq!(read("by-numarun"), read("by-ansible"), "{fact}");
    }
    assert_eq!(by_numarun.len(), facts.len());
}

/// Arguments written as one `key=value` string, as older playbooks and many roles write them:
/// quoted values with spaces, a mode, a `yes`, Jinja inside, and a command's own options
/// (`creates=`, `chdir=`) inside its free form. Both must write the same files.
#[test]
fn key_value_argument_strings_read_as_ansible_reads_them() {
    let t = Test::local();
    let Some(ansible) = ansible_playbook() else { return };
    t.write(
        "play.yaml",
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n\
         \x20   - file: path={{ out }}/d state=directory mode=0750\n\
         \x20   - copy: dest={{ out }}/d/a.txt content=\"hello world\" mode=0640\n\
         \x20   - lineinfile: path={{ out }}/d/b.txt line='key = value' create=yes\n\
         \x20   - command: touch {{ out }}/d/c.txt creates={{ out }}/d/c.txt\n\
         \x20   - shell: echo made > made.txt chdir={{ out }}/d\n",
    );
    same_files_written(&t, &ansible, &[], 5);
}

/// Symbolic modes, absolute and relative, on new and existing files and folders (`X`, a umask-
/// bound `+x`, a class copied from another), set the bits ansible-core sets.
#[test]
fn symbolic_modes_set_the_bits_ansible_sets() {
    let t = Test::local();
    let Some(ansible) = ansible_playbook() else { return };
    t.write(
        "play.yaml",
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n\
         \x20   - file: { path: \"{{ out }}/d\", state: directory, mode: 'u=rwx,g=rx,o=' }\n\
         \x20   - file: { path: \"{{ out }}/x\", state: directory, mode: 'a=rX' }\n\
         \x20   - copy: { dest: \"{{ out }}/d/f\", content: \"x\\n\", mode: 'u=rw,go=r' }\n\
         \x20   - copy: { dest: \"{{ out }}/run\", content: \"x\\n\", mode: '0644' }\n\
         \x20   - file: { path: \"{{ out }}/run\", mode: '+x' }\n\
         \x20   - copy: { dest: \"{{ out }}/g\", content: \"x\\n\", mode: '0740' }\n\
         \x20   - file: { path: \"{{ out }}/g\", mode: 'g=u,o-rwx' }\n\
         \x20   - template: { src: t.j2, dest: \"{{ out }}/t\", mode: 'u=rw,g=rw,o=' }\n",
    );
    t.write("t.j2", "two is {{ 1 + 1 }}\n");
    same_outcome(&t, &ansible, 6);
}

/// `--start-at-task`, by name, by `role : name` and by glob: the steps before it (the first
/// play's whole, the second's first) are left out and every later play runs whole.
#[test]
fn start_at_task_skips_what_comes_before_the_named_step() {
    let t = Test::local();
    let Some(ansible) = ansible_playbook() else { return };
    t.write(
        "roles/base/tasks/main.yml",
        "- name: base file\n  copy: { dest: \"{{ out }}/base\", content: \"x\\n\" }\n",
    );
    let copy = |name: &str| {
        format!(
            "    - name: {name}\n      copy: {{ dest: \"{{{{ out }}}}/{name}\", content: \"x\\n\" }}\n"
        )
    };
    t.write(
        "play.yaml",
        &format!(
            "- hosts: localhost\n  gather_facts: false\n  tasks:\n{}\
             - hosts: localhost\n  gather_facts: false\n  roles: [base]\n  tasks:\n{}{}\
             - hosts: localhost\n  gather_facts: false\n  tasks:\n{}",
            copy("early"),
            copy("middle-one"),
            copy("middle-two"),
            copy("late")
        ),
    );
    for (start, files) in [("middle-two", 2), ("middle-*", 3)] {
        eprintln!("--start-at-task {start}");
        same_outcome_with(&t, &ansible, files, &["--start-at-task", start]);
    }
    // Started at a role's step, ansible-core 2.19.14 also gathers facts in that play despite
    // `gather_facts: false` (its recap counts one ok more); the files are the same.
    for start in ["base : base file", "base file"] {
        let _ = std::fs::remove_dir_all(t.path().join("out"));
        std::fs::create_dir(t.path().join("out")).unwrap();
        let out = format!("out={}/out", t.path().display());
        t.run(&["play", "play.yaml", "-e", &out, "--start-at-task", start]).ok();
        assert_eq!(t.tree("out").len(), 4, "{start}");
    }
    let run = t.run(&["play", "play.yaml", "-e", "out=/nonexistent", "--start-at-task", "nope"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("--start-at-task `nope`: no step has that name"), "{}", run.stderr);
}

/// A failure `ignore_errors` lets pass counts ok and ignored, as ansible-core counts it.
#[test]
fn an_ignored_failure_counts_ok_and_ignored() {
    let t = Test::local();
    let Some(ansible) = ansible_playbook() else { return };
    t.write(
        "play.yaml",
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n\
         \x20   - assert: { that: 1 == 2 }\n      ignore_errors: true\n\
         \x20   - copy: { dest: \"{{ out }}/after\", content: \"x\\n\" }\n",
    );
    same_outcome(&t, &ansible, 1);
}
