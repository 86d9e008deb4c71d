//! `reboot` on a real systemd guest of the lab (`k3s-worker-tasks`, which the lab boots again
//! when it reboots, as a VM's reset would): through ansible-core and through numarun from the
//! same play, each a change with a new boot id after it and the guest answering; in check mode
//! nothing reboots; and the machine numarun runs on is never rebooted. A file of its own: a
//! rebooting guest must not be used by tests running beside it.

mod common;

use std::sync::Mutex;

use common::Test;
use common::lab::{inventory, lab_up, on_guest, tasks_guest_play};

const GUEST: &str = "k3s-worker-tasks";

/// Held by each test that reboots the guest: the other would find it down.
static REBOOTING: Mutex<()> = Mutex::new(());

fn boot_id() -> String {
    on_guest(GUEST, "cat /proc/sys/kernel/random/boot_id").trim().to_string()
}

/// Each tool reboots the guest once: a change, `rebooted` true, a whole number of seconds in
/// `elapsed`, and a boot id after it that differs from the one before.
#[test]
fn reboot_reboots_a_guest_as_ansible_core_does() {
    let Some(ansible) = common::ansible::ansible_playbook() else { return };
    let Some((t, _rebooting)) = tasks_guest_play(
        &REBOOTING,
        r#"- hosts: k3s-worker-tasks
  gather_facts: false
  become: true
  tasks:
    - command: cat /proc/sys/kernel/random/boot_id
      register: before
      changed_when: false
    - reboot: { msg: "numarun's reboot test", reboot_timeout: 120 }
      register: rebooted
    - command: cat /proc/sys/kernel/random/boot_id
      register: after
      changed_when: false
    - copy:
        dest: "{{ out }}/result"
        content: "{{ rebooted.changed }} {{ rebooted.rebooted }} {{ rebooted.elapsed is number }} {{ before.stdout != after.stdout }}"
      delegate_to: localhost
      become: false
"#,
    ) else {
        return;
    };
    common::ansible::same_outcome_on(&t, &ansible, "hosts.yaml", &[GUEST], 1);
    assert_eq!(t.read("by-numarun/result"), "True True True True");
    assert_eq!(on_guest(GUEST, "systemctl is-active ssh").trim(), "active");
}

/// numarun alone: two reboots in a row are two changes (a reboot is never "already done"),
/// each with a new boot id; `--check` predicts the change and reboots nothing; a reboot command
/// that is nowhere fails before anything happens, naming the folders it looked in.
#[test]
fn reboot_is_a_change_each_time_and_check_mode_reboots_nothing() {
    if !lab_up() {
        return;
    }
    let _rebooting = REBOOTING.lock().unwrap_or_else(|e| e.into_inner());
    let t = Test::new();
    t.write("play.yaml", "- hosts: k3s-worker-tasks\n  become: true\n  gather_facts: false\n  tasks:\n    - reboot:\n");
    let inventory = inventory();
    let play = |extra: &[&str]| {
        let mut args = vec!["play", "play.yaml", "-i", inventory.as_str()];
        args.extend(extra);
        t.run(&args)
    };
    let mut seen = vec![boot_id()];
    for _ in 0..2 {
        let run = play(&[]);
        run.ok();
        assert_eq!(run.changed(GUEST), 1, "{}", run.stdout);
        seen.push(boot_id());
    }
    assert!(seen[0] != seen[1] && seen[1] != seen[2], "boot ids {seen:?}");
    let dry = play(&["--check"]);
    dry.ok();
    assert_eq!(dry.changed(GUEST), 1, "{}", dry.stdout);
    assert_eq!(boot_id(), seen[2], "--check rebooted the guest");

    t.write(
        "play.yaml",
        "- hosts: k3s-worker-tasks\n  become: true\n  gather_facts: false\n  tasks:\n    - reboot: { reboot_command: nowhere-reboot -f }\n",
    );
    let missing = play(&[]);
    assert_ne!(missing.code, 0);
    assert!(
        missing
            .stdout
            .contains("Unable to find command \"nowhere-reboot\" in search paths: /sbin, /bin"),
        "{}",
        missing.stdout
    );
    assert_eq!(boot_id(), seen[2]);
}

/// On the machine numarun runs on, `reboot` fails in check mode too, as ansible-core's does.
#[test]
fn reboot_refuses_the_machine_numarun_runs_on() {
    let t = Test::new();
    t.write("play.yaml", "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - reboot:\n");
    for extra in [&[][..], &["--check"][..]] {
        let mut args = vec!["play", "play.yaml"];
        args.extend(extra);
        let run = t.run(&args);
        assert_ne!(run.code, 0);
        assert!(
            run.stdout.contains(
                "play.yaml:4:7: Running reboot with local connection would reboot the control node."
            ),
            "{}",
            run.stdout
        );
    }
}
