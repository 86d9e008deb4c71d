//! The local lab (`lab/lab`): brought up once per test binary, then reached the way users reach
//! it, through `inventory/lab.yaml`, and checked from outside with plain `ssh`.

use std::process::{Command, Output};
use std::sync::Mutex;

pub const GUESTS: [&str; 4] =
    ["k3s-worker-slm-heavy", "k3s-worker-data", "k3s-worker-slm", "k3s-worker-tasks"];
const LAB_DIR: &str = "/var/lib/numarun-lab";

pub fn project(path: &str) -> String {
    format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

pub fn inventory() -> String {
    project("inventory/lab.yaml")
}

/// Runs `lab/lab <command>`, one at a time within a test binary.
pub fn lab(command: &str) -> Output {
    lab_with(&[command])
}

/// Runs `lab/lab` with these arguments, one at a time within a test binary.
pub fn lab_with(args: &[&str]) -> Output {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    Command::new(project("lab/lab")).args(args).output().expect("run lab/lab")
}

/// Brings the lab up unless it is; false (the test skips) when not root.
pub fn lab_up() -> bool {
    if !super::runs_as_root("the lab") {
        return false;
    }
    let up = lab("up");
    assert!(up.status.success(), "lab up failed:\n{}{}", text(&up.stdout), text(&up.stderr));
    true
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A command on a guest as its admin over plain OpenSSH, checking the host key the lab recorded:
/// an oracle independent of numarun's own SSH client.
pub fn guest_ssh(guest: &str, command: &str) -> Output {
    Command::new("ssh")
        .args([
            "-q",
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=3",
            "-o",
            "StrictHostKeyChecking=yes",
        ])
        .arg(format!("-oUserKnownHostsFile={LAB_DIR}/ssh/known_hosts"))
        .args(["-i", &format!("{LAB_DIR}/ssh/id_ed25519")])
        .arg(format!("admin@{}", address(guest)))
        .arg(command)
        .output()
        .expect("run ssh")
}

/// The guest's address, as the lab assigns it (the inventory must agree; a test checks).
pub fn address(guest: &str) -> String {
    let index =
        GUESTS.iter().position(|g| *g == guest).unwrap_or_else(|| panic!("no guest {guest}"));
    format!("10.99.0.{}", 11 + index)
}

/// Runs a command on a guest and returns its stdout, failing the test on a non-zero exit.
pub fn on_guest(guest: &str, command: &str) -> String {
    let out = guest_ssh(guest, command);
    assert!(out.status.success(), "{guest}: `{command}` failed: {}", text(&out.stderr));
    text(&out.stdout)
}

/// `virsh` on the lab's libvirtd: its output and errors, as one text.
pub fn virsh(args: &[&str]) -> String {
    let out = Command::new("virsh")
        .args(["-c", "qemu:///system"])
        .args(args)
        .output()
        .expect("run virsh");
    text(&out.stdout) + &text(&out.stderr)
}

/// `hosts.yaml`: the guest `k3s-worker-tasks` as both ansible-core and numarun reach it.
pub fn tasks_guest_inventory(t: &super::Test) {
    t.write(
        "hosts.yaml",
        // `ansible_connection` said: the reference run is given `-c local` for its other tests.
        "all:\n  hosts:\n    k3s-worker-tasks:\n      ansible_connection: ssh\n      ansible_host: 10.99.0.14\n      ansible_user: admin\n\
         \x20     ansible_ssh_private_key_file: /var/lib/numarun-lab/ssh/id_ed25519\n\
         \x20     ansible_ssh_common_args: -o UserKnownHostsFile=/var/lib/numarun-lab/ssh/known_hosts\n",
    );
}

/// `play.yaml` for `k3s-worker-tasks` (`hosts.yaml`), with `lock` held for the tests that use
/// the same part of the guest; `None` without a lab.
pub fn tasks_guest_play(
    lock: &'static Mutex<()>,
    playbook: &str,
) -> Option<(super::Test, std::sync::MutexGuard<'static, ()>)> {
    if !lab_up() {
        return None;
    }
    let held = lock.lock().unwrap_or_else(|e| e.into_inner());
    let t = super::Test::new();
    tasks_guest_inventory(&t);
    t.write("play.yaml", playbook);
    Some((t, held))
}
