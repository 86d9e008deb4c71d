//! How a play rolls out over several hosts, through ansible-core and numarun: `serial` batches
//! with `max_fail_percentage` and `any_errors_fatal` stopping the run, and the `meta` actions
//! (`flush_handlers`, `end_host`, `end_play`, `noop`, `clear_facts`).

mod common;

use common::Test;
use common::ansible::{ansible_playbook, same_outcome_on};

const HOSTS: &[&str] = &["web1", "web2", "web3", "web4"];

/// Four local hosts in the group `web`.
fn fleet() -> Test {
    let t = Test::local();
    let lines: String = HOSTS.iter().map(|h| format!("{h} ansible_connection=local\n")).collect();
    t.write("hosts.ini", &format!("[web]\n{lines}"));
    t
}

/// A rolling update, one host at a time: the second host fails, so with `max_fail_percentage:
/// 0` the third and fourth are never touched and the next play never starts.
#[test]
fn a_failed_batch_past_max_fail_percentage_stops_the_rollout() {
    let Some(ansible) = ansible_playbook() else { return };
    let t = fleet();
    t.write(
        "play.yaml",
        "- hosts: web\n  gather_facts: false\n  serial: 1\n  max_fail_percentage: 0\n  tasks:\n\
         \x20   - copy: { dest: \"{{ out }}/{{ inventory_hostname }}-before\", content: \"x\\n\" }\n\
         \x20   - command: /bin/false\n      when: inventory_hostname == 'web2'\n\
         \x20   - copy: { dest: \"{{ out }}/{{ inventory_hostname }}-after\", content: \"x\\n\" }\n\
         - hosts: web\n  gather_facts: false\n  tasks:\n\
         \x20   - copy: { dest: \"{{ out }}/{{ inventory_hostname }}-second-play\", content: \"x\\n\" }\n",
    );
    same_outcome_on(&t, &ansible, "hosts.ini", HOSTS, 3);
}

/// `serial: [1, "50%"]` batches 1, 2, then 1 (the last size repeats); a failure under
/// `any_errors_fatal` in a one-host batch stops the run after it.
#[test]
fn serial_lists_batch_and_any_errors_fatal_stops_after_the_failed_batch() {
    let Some(ansible) = ansible_playbook() else { return };
    let t = fleet();
    t.write(
        "play.yaml",
        "- hosts: web\n  gather_facts: false\n  serial: [1, \"50%\"]\n  tasks:\n\
         \x20   - copy: { dest: \"{{ out }}/{{ inventory_hostname }}\", content: \"x\\n\" }\n\
         - hosts: web\n  gather_facts: false\n  serial: 1\n  any_errors_fatal: true\n  tasks:\n\
         \x20   - command: /bin/false\n      when: inventory_hostname == 'web3'\n\
         \x20   - copy: { dest: \"{{ out }}/{{ inventory_hostname }}-fatal\", content: \"x\\n\" }\n",
    );
    same_outcome_on(&t, &ansible, "hosts.ini", HOSTS, 6);
}

/// `flush_handlers` runs what was notified so far (and a handler notified again runs again at
/// the end); `end_host` ends the play for one host, which goes on in the next; `end_play` for
/// each host; `noop` and `clear_facts` do nothing visible; none of them counts in the recap.
#[test]
fn meta_actions_act_as_in_ansible() {
    let Some(ansible) = ansible_playbook() else { return };
    let t = fleet();
    t.write(
        "play.yaml",
        "- hosts: web\n  gather_facts: false\n  tasks:\n\
         \x20   - copy: { dest: \"{{ out }}/{{ inventory_hostname }}-1\", content: \"1\\n\" }\n      notify: count\n\
         \x20   - meta: flush_handlers\n\
         \x20   - copy: { dest: \"{{ out }}/{{ inventory_hostname }}-2\", content: \"2\\n\" }\n      notify: count\n\
         \x20   - meta: noop\n\
         \x20   - meta: end_host\n      when: inventory_hostname in ['web2', 'web4']\n\
         \x20   - meta: clear_facts\n\
         \x20   - copy: { dest: \"{{ out }}/{{ inventory_hostname }}-3\", content: \"3\\n\" }\n\
         \x20   - meta: end_play\n\
         \x20   - copy: { dest: \"{{ out }}/{{ inventory_hostname }}-never\", content: \"x\\n\" }\n\
         \x20 handlers:\n    - name: count\n      shell: echo run >> {{ out }}/{{ inventory_hostname }}-handled\n\
         - hosts: web\n  gather_facts: false\n  tasks:\n\
         \x20   - copy: { dest: \"{{ out }}/{{ inventory_hostname }}-next\", content: \"x\\n\" }\n",
    );
    same_outcome_on(&t, &ansible, "hosts.ini", HOSTS, 4 * 4 + 2);
}

/// `force_handlers` (the play keyword, or ansible.cfg's): a host that fails after notifying
/// still runs the handler, and stays failed; without it, it does not.
#[test]
fn force_handlers_run_what_a_failed_host_notified() {
    let Some(ansible) = ansible_playbook() else { return };
    let t = fleet();
    let play = |force: &str| {
        format!(
            "- hosts: web\n  gather_facts: false\n{force}  tasks:\n\
             \x20   - copy: {{ dest: \"{{{{ out }}}}/{{{{ inventory_hostname }}}}\", content: \"x\\n\" }}\n      notify: handled\n\
             \x20   - command: /bin/false\n      when: inventory_hostname in ['web1', 'web3']\n\
             \x20 handlers:\n    - name: handled\n      copy: {{ dest: \"{{{{ out }}}}/{{{{ inventory_hostname }}}}-handled\", content: \"x\\n\" }}\n"
        )
    };
    t.write("play.yaml", &play("  force_handlers: true\n"));
    same_outcome_on(&t, &ansible, "hosts.ini", HOSTS, 8);
    t.write("play.yaml", &play(""));
    same_outcome_on(&t, &ansible, "hosts.ini", HOSTS, 6);
    t.write("ansible.cfg", "[defaults]\nforce_handlers = True\n");
    same_outcome_on(&t, &ansible, "hosts.ini", HOSTS, 8);
}
