//! The site on the lab's real-VM mode (`lab/lab up --real-vm`, inventory/lab-real-vm.yaml over
//! inventory/lab.yaml): the data VM is a real libvirt domain that phase 4 boots under software
//! emulation from the lab's offline-built Debian image, on a bridge with no DHCP server, so its
//! address comes from the plan through its seed. Phase 5 hot-plugs its disks, and the filesystems,
//! fstab, mounts and PostgreSQL (phase 6) are made inside that VM. Minutes long: `.ci/run` runs it.

mod common;

use std::time::Instant;

use common::lab::{GUESTS, lab, lab_with, project, text, virsh};
use common::{Run, Test};

const DATA: &str = "k3s-worker-data";
const DATA_ADDRESS: &str = "10.99.0.12";

fn play(t: &Test, extra: &[&str]) -> Run {
    let site = project("playbooks/site.yaml");
    let (lab, real_vm) = (project("inventory/lab.yaml"), project("inventory/lab-real-vm.yaml"));
    let mut args = vec!["play", site.as_str(), "-i", lab.as_str(), "-i", real_vm.as_str()];
    args.extend(extra);
    // As the README's command runs it: every play gathers facts first (once per host).
    t.run_with_env(&args, &[("ANSIBLE_GATHERING", std::path::Path::new("implicit"))])
}

fn total_changed(run: &Run) -> u64 {
    std::iter::once("localhost").chain(GUESTS).map(|host| run.changed(host)).sum()
}

/// A command in the data VM over plain OpenSSH, trusting only the host key phase 3 made for it:
/// an oracle that is not numarun's own client.
fn in_vm(t: &Test, command: &str) -> String {
    let key = std::fs::read_to_string(format!("/var/lib/numarun-lab/vm-host-keys/{DATA}.pub"))
        .expect("phase 3 made the VM's host key");
    let key: Vec<&str> = key.split_whitespace().take(2).collect();
    t.write("known_hosts", &format!("{DATA_ADDRESS} {}\n", key.join(" ")));
    let out = std::process::Command::new("ssh")
        .args(["-q", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"])
        .arg(format!("-oUserKnownHostsFile={}", t.path().join("known_hosts").display()))
        .args(["-i", "/var/lib/numarun-lab/ssh/id_ed25519", &format!("admin@{DATA_ADDRESS}")])
        .arg(command)
        .output()
        .expect("run ssh");
    assert!(out.status.success(), "`{command}` in the VM failed: {}", text(&out.stderr));
    text(&out.stdout).trim().to_string()
}

#[test]
#[ignore = "boots a real VM under software emulation and runs the whole site in it (minutes); .ci/run runs it"]
fn the_site_with_a_real_data_vm() {
    if !common::runs_as_root("the lab") {
        return;
    }
    let down = lab("down");
    assert!(down.status.success(), "{}", text(&down.stderr));
    let up = lab_with(&["up", "--real-vm"]);
    assert!(up.status.success(), "{}{}", text(&up.stdout), text(&up.stderr));
    let t = Test::new();

    let started = Instant::now();
    let first = play(&t, &["-v"]);
    let console = std::fs::read_to_string(format!("/var/log/libvirt/qemu/{DATA}-console.log"))
        .unwrap_or_default();
    let tail: String = console.lines().rev().take(40).collect::<Vec<_>>().join("\n");
    assert_eq!(
        first.code, 0,
        "{}\n{}\nconsole (last lines, reversed):\n{tail}",
        first.stdout, first.stderr
    );
    eprintln!("first run: {:.0} s", started.elapsed().as_secs_f64());
    assert!(first.changed(DATA) > 20, "{}", first.stdout);
    // The address came from the plan (the static source): no DHCP server answers on the bridge.
    assert!(first.stdout.contains(&format!("{DATA}: {DATA_ADDRESS}")), "{}", first.stdout);

    // What the guest itself sees: a VM, its hot-plugged disks mounted by label, its own server.
    assert_eq!(in_vm(&t, "systemd-detect-virt"), "qemu");
    assert_eq!(in_vm(&t, "findmnt -no SOURCE /data/hot"), "/dev/vdb");
    assert_eq!(in_vm(&t, "findmnt -no SOURCE /data/lake"), "/dev/vdc");
    assert_eq!(in_vm(&t, "lsblk -no LABEL /dev/vdb"), "hot-storage");
    assert!(in_vm(&t, "cat /etc/fstab").contains("LABEL=lake-storage"));
    let data_dir = in_vm(&t, "sudo -u postgres psql -XAtc 'SHOW data_directory'");
    assert!(data_dir.starts_with("/data/hot/"), "{data_dir}");
    assert!(in_vm(&t, "ip route").contains("default via 10.99.0.1"));
    let disks = virsh(&["domblklist", DATA]);
    assert!(disks.contains("vdb") && disks.contains("vdc"), "{disks}");

    let started = Instant::now();
    let again = play(&t, &[]);
    again.ok();
    eprintln!("second run: {:.0} s", started.elapsed().as_secs_f64());
    assert_eq!(total_changed(&again), 0, "{}", again.stdout);

    let check = play(&t, &["--check", "--diff"]);
    check.ok();
    assert_eq!(total_changed(&check), 0, "{}", check.stdout);

    let postgresql = play(&t, &["--tags", "postgresql"]);
    postgresql.ok();
    assert!(postgresql.recap(DATA)["ok"].as_u64() > Some(5), "{}", postgresql.stdout);
    assert_eq!(total_changed(&postgresql), 0, "{}", postgresql.stdout);
}
