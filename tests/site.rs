//! The repository's own site, all twelve phases, on a fresh lab, as users run it:
//! `numarun play playbooks/site.yaml -i inventory/lab.yaml`. One test, because every step of it
//! builds on the state the one before left (the lab is one machine's worth of guests).

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use common::lab::{GUESTS, inventory, lab, lab_up, on_guest, project, text, virsh};
use common::{Run, Test, tree};

const DATA: &str = "k3s-worker-data";
const SERVER: &str = "k3s-worker-slm-heavy";
const UNMANAGED: &str = "nrtest-unmanaged";
const PHASES: [&str; 12] = [
    "Verify the host and the plan",
    "Base image",
    "VM configuration",
    "VMs defined, started and pinned",
    "Data tiers in the data VM",
    "PostgreSQL on the hot tier",
    "k3s server",
    "Node taints",
    "Workloads",
    "Host tuning",
    "NUMA monitoring on the host",
    "Pins, locality and the report on the host",
];

fn play(t: &Test, playbook: &str, extra: &[&str]) -> Run {
    let (playbook, inventory) = (project(playbook), inventory());
    let mut args = vec!["play", playbook.as_str(), "-i", inventory.as_str()];
    args.extend(extra);
    // As the README's command runs it: every play gathers facts first (once per host).
    t.run_with_env(&args, &[("ANSIBLE_GATHERING", std::path::Path::new("implicit"))])
}

fn total_changed(run: &Run) -> u64 {
    std::iter::once("localhost").chain(GUESTS).map(|host| run.changed(host)).sum()
}

/// Every guest's own files (its overlay's upper layer), but for what logging in itself writes:
/// the journal and the marker sudo leaves on its first use.
fn guest_files() -> Vec<(String, std::collections::BTreeMap<std::path::PathBuf, String>)> {
    GUESTS
        .iter()
        .map(|guest| {
            let mut files = tree(Path::new(&format!("/var/lib/numarun-lab/guests/{guest}/upper")));
            files.retain(|path, _| {
                !path.starts_with("var/log") && !path.ends_with(".sudo_as_admin_successful")
            });
            (guest.to_string(), files)
        })
        .collect()
}

/// Every command line any process on this machine (the guests' included) shows while it runs.
struct ArgvWatch {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<BTreeSet<String>>,
}

impl ArgvWatch {
    fn start() -> ArgvWatch {
        let stop = Arc::new(AtomicBool::new(false));
        let watching = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut seen = BTreeSet::new();
            while !watching.load(Ordering::Relaxed) {
                for entry in std::fs::read_dir("/proc").unwrap().flatten() {
                    if let Ok(argv) = std::fs::read(entry.path().join("cmdline")) {
                        seen.insert(String::from_utf8_lossy(&argv).replace('\0', " "));
                    }
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            seen
        });
        ArgvWatch { stop, thread }
    }

    fn stop(self) -> BTreeSet<String> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap()
    }
}

#[test]
fn the_site_parses_with_both_inventories() {
    let t = Test::new();
    for inventory in ["inventory/lab.yaml", "inventory/homelab.yaml"] {
        let inventory = project(inventory);
        let site = project("playbooks/site.yaml");
        t.run(&["play", &site, "-i", &inventory, "--syntax-check"]).ok();
        let hosts = t.run(&["play", &site, "-i", &inventory, "--list-hosts"]);
        hosts.ok();
        assert!(GUESTS.iter().all(|g| hosts.stdout.contains(g)), "{}", hosts.stdout);
    }
    t.run(&["play", &project("playbooks/rollback.yaml"), "-i", &inventory(), "--syntax-check"])
        .ok();
}

#[test]
#[ignore = "runs the whole site on a fresh lab (minutes); .ci/run runs it"]
fn the_site_on_a_fresh_lab() {
    if !common::runs_as_root("the lab") {
        return;
    }
    let down = lab("down");
    assert!(down.status.success(), "{}", text(&down.stderr));
    assert!(lab_up());
    let t = Test::new();

    // What numarun must leave alone: a crontab line of the admin's, a domain it did not create.
    on_guest(DATA, "echo '17 3 * * * /usr/bin/true # the admin own job' | crontab -");
    t.write(
        "unmanaged.xml",
        &format!(
            "<domain type='qemu'><name>{UNMANAGED}</name><memory unit='MiB'>32</memory><os><type arch='x86_64'>hvm</type></os></domain>"
        ),
    );
    virsh(&["undefine", UNMANAGED]); // left by an earlier, failed run
    let defined = virsh(&["define", &t.path().join("unmanaged.xml").display().to_string()]);
    assert!(defined.contains("defined"), "{defined}");

    // A dry run on the fresh lab says what would change and changes nothing.
    let guests_before = guest_files();
    let domains_before = virsh(&["list", "--all", "--name"]);
    let check = play(&t, "playbooks/site.yaml", &["--check"]);
    check.ok();
    assert!(total_changed(&check) > 40, "{}", check.stdout);
    for ((guest, before), (_, after)) in guests_before.iter().zip(guest_files()) {
        let changed: Vec<_> =
            before.keys().chain(after.keys()).filter(|p| before.get(*p) != after.get(*p)).collect();
        assert!(changed.is_empty(), "check mode changed {guest}: {changed:?}");
    }
    assert_eq!(virsh(&["list", "--all", "--name"]), domains_before, "check mode changed libvirt");
    assert!(
        !Path::new("/var/lib/libvirt/images/numarun-lab").exists(),
        "check mode made the images folder"
    );

    // The whole site, watched for the k3s token in every command line of the machine.
    let watch = ArgvWatch::start();
    let first = play(&t, "playbooks/site.yaml", &[]);
    let argvs = watch.stop();
    first.ok();
    for phase in PHASES {
        assert!(
            first.steps().iter().any(|s| s["phase"] == phase),
            "phase `{phase}` ran no step\n{}",
            first.stdout
        );
    }
    let token =
        on_guest(SERVER, "sudo cat /var/lib/rancher/k3s/server/node-token").trim().to_string();
    assert!(token.len() > 20, "no token: {token}");
    let log = serde_json::to_string(&first.events).unwrap();
    for (place, text) in [("output", &first.stdout), ("errors", &first.stderr), ("JSON log", &log)]
    {
        assert!(!text.contains(&token), "the k3s token is in the {place}");
    }
    assert!(!argvs.iter().any(|argv| argv.contains(&token)), "the k3s token was on a command line");
    assert!(argvs.len() > 100, "the watch saw only {} command lines", argvs.len());

    // A second run changes nothing.
    let second = play(&t, "playbooks/site.yaml", &[]);
    second.ok();
    assert_eq!(total_changed(&second), 0, "{}", second.stdout);

    // The hypervisor's tuning went to the lab's folder, and the run said what it left alone.
    let sysctl = std::fs::read_to_string(
        "/var/lib/numarun-lab/hypervisor/etc/sysctl.d/90-numarun-numa.conf",
    )
    .unwrap();
    assert_eq!(sysctl, "kernel.numa_balancing = 0\n");
    assert!(second.stdout.contains("Live kernel settings left alone"), "{}", second.stdout);

    // The expected topology is the inventory's: the same phase fails loudly on another host.
    let wrong = play(&t, "playbooks/phases/01-verify.yaml", &["-e", r#"{"expect_numa_nodes": 2}"#]);
    assert_eq!(wrong.code, 2, "{}", wrong.stdout);
    assert!(
        wrong.stdout.contains("expected 2 NUMA node(s), 1 thread(s) per core"),
        "{}",
        wrong.stdout
    );

    // The data tiers: one fstab entry each, real mounts of the lab's disks.
    let fstab = on_guest(DATA, "cat /etc/fstab");
    for mount in [" /data/hot ", " /data/lake "] {
        assert_eq!(fstab.lines().filter(|l| l.contains(mount)).count(), 1, "{fstab}");
    }
    for (mount, disk) in [("/data/hot", "vdb"), ("/data/lake", "vdc")] {
        let source = on_guest(DATA, &format!("findmnt -n -o SOURCE --mountpoint {mount}"));
        let loop_of = std::process::Command::new("losetup")
            .args(["-n", "-O", "NAME", "-j", &format!("/var/lib/numarun-lab/disks/{disk}.img")])
            .output()
            .unwrap();
        assert_eq!(source.trim(), text(&loop_of.stdout).trim(), "{mount} is not the lab's {disk}");
    }
    let host_mounts = std::fs::read_to_string("/proc/mounts").unwrap();
    assert!(
        !host_mounts.contains("/data/hot") && !host_mounts.contains("/data/lake"),
        "mounted on the host:\n{host_mounts}"
    );
    let crontab = on_guest(DATA, "crontab -l");
    assert!(
        crontab.contains("# the admin own job") && crontab.contains("staging-cleanup-monitor.sh"),
        "{crontab}"
    );

    // initdb's own postgresql.conf stays (its locale and time zone), includes numarun's folder,
    // and the running server logs as storage-design.md says.
    let conf = on_guest(DATA, "sudo cat /data/hot/postgresql/postgresql.conf");
    assert!(conf.contains("\ninclude_dir = 'conf.d'\n"), "{conf}");
    assert!(conf.lines().any(|l| l.starts_with("timezone =")), "initdb's lines are gone:\n{conf}");
    let logging = on_guest(
        DATA,
        "sudo -u postgres psql -XAtc 'SHOW logging_collector' -c 'SHOW log_min_duration_statement'",
    );
    assert_eq!(logging.split_whitespace().collect::<Vec<_>>(), ["on", "1s"]);

    // One phase by its tag; a changed memory size reaches the running server through the handler.
    let show =
        || on_guest(DATA, "sudo -u postgres psql -XAtc 'SHOW shared_buffers'").trim().to_string();
    let bigger = play(&t, "playbooks/site.yaml", &["--tags", "postgresql", "-e", "vm_memory_gb=4"]);
    bigger.ok();
    // Gathering facts is tagged `always`, as in Ansible: it runs once per host, whatever the tags.
    assert!(bigger.steps().iter().all(|s| s["phase"] == "VM addresses"
        || s["phase"].as_str().unwrap().starts_with("PostgreSQL")
        || s["step"] == "Gathering Facts"));
    assert_eq!(show(), "1GB");
    play(&t, "playbooks/site.yaml", &["--tags", "postgresql"]).ok();
    assert_eq!(show(), "512MB");

    // The version follows the guest's release (bookworm ships 15) unless the inventory names
    // another; another comes from PGDG's repository, with its key from the controller, or the
    // run stops before anything changes, saying what to set.
    assert_eq!(on_guest(DATA, "ls /usr/lib/postgresql").trim(), "15");
    let keyless = play(
        &t,
        "playbooks/site.yaml",
        &["--tags", "postgresql", "--check", "-e", "pg_version=16"],
    );
    assert_eq!(keyless.code, 2, "{}", keyless.stdout);
    assert!(
        keyless
            .stdout
            .contains("postgresql-16 is not in bookworm's archive (it has 15): set pgdg_key_file"),
        "{}",
        keyless.stdout
    );
    t.write("pgdg.asc", "-----BEGIN PGP PUBLIC KEY BLOCK-----\n(a stand-in for PGDG's key)\n");
    let key = format!("pgdg_key_file={}", t.path().join("pgdg.asc").display());
    let pgdg = play(
        &t,
        "playbooks/site.yaml",
        &["--tags", "postgresql", "--check", "-e", "pg_version=16", "-e", &key],
    );
    pgdg.ok();
    let planned: Vec<String> = pgdg.with_status("changed");
    for step in [
        "PGDG's signing key, from the controller",
        "PGDG's repository for this release, trusted for its own key only",
        "PostgreSQL packages",
    ] {
        assert!(
            planned.iter().any(|s| s.ends_with(step)),
            "{step} not planned: {planned:?}\n{}",
            pgdg.stdout
        );
    }
    assert!(pgdg.stdout.contains("install postgresql-16"), "{}", pgdg.stdout);
    assert!(
        !on_guest(DATA, "ls /etc/apt/sources.list.d").contains("pgdg"),
        "check mode added a repository"
    );

    // The guide's 9.3, judged: a workload no node can take fails phase 9 naming its pods and the
    // scheduler's reason; the StatefulSet may not share phase 6's data directory.
    let nowhere =
        play(&t, "playbooks/site.yaml", &["--tags", "deploy", "-e", "slm_node_workload=nowhere"]);
    assert_eq!(nowhere.code, 2, "{}", nowhere.stdout);
    assert!(
        nowhere.stdout.contains("not placed: default/slm-inference-")
            && nowhere.stdout.contains("node(s) didn't match Pod's node affinity/selector"),
        "{}",
        nowhere.stdout
    );
    play(&t, "playbooks/site.yaml", &["--tags", "deploy"]).ok();
    let shared = play(
        &t,
        "playbooks/site.yaml",
        &["--tags", "deploy", "-e", "k8s_postgresql_data=/data/hot/postgresql"],
    );
    assert_eq!(shared.code, 2, "{}", shared.stdout);
    assert!(
        shared.stdout.contains("are one\ndirectory") || shared.stdout.contains("are one directory"),
        "{}",
        shared.stdout
    );

    // mkfs over the hot tier, by a playbook that names the wrong label, is refused; data stays.
    on_guest(DATA, "echo precious | sudo tee /data/hot/staging/keep >/dev/null");
    t.write("mkfs-again.yaml", "- hosts: data\n  tasks:\n    - filesystem: { dev: /dev/vdb, fstype: ext4, label: lake-storage }\n");
    let again = t.run(&["play", "mkfs-again.yaml", "-i", &inventory()]);
    assert_ne!(again.code, 0, "{}", again.stdout);
    assert!(
        again.stdout.contains("/dev/vdb already holds ext4 labelled `hot-storage`"),
        "{}",
        again.stdout
    );
    assert_eq!(on_guest(DATA, "cat /data/hot/staging/keep"), "precious\n");

    // initdb never runs over a folder that holds anything.
    on_guest(
        DATA,
        "sudo install -d -o postgres -m 700 /data/hot/other && echo mine | sudo tee /data/hot/other/notes >/dev/null",
    );
    let over = play(&t, "playbooks/phases/06-postgresql.yaml", &["-e", "pg_data=/data/hot/other"]);
    assert_eq!(over.code, 2, "{}", over.stdout);
    assert!(over.stdout.contains("is not empty"), "{}", over.stdout);
    assert_eq!(on_guest(DATA, "sudo cat /data/hot/other/notes"), "mine\n");
    on_guest(DATA, "sudo rm -r /data/hot/other");

    // A missed threshold fails phase 12, and the report says which.
    let strict =
        play(&t, "playbooks/site.yaml", &["--tags", "perf", "-e", "perf_min_hot_iops=1000000000"]);
    assert_ne!(strict.code, 0, "{}", strict.stdout);
    let report = std::fs::read_to_string("/var/lib/numarun-lab/reports/perf-report.md").unwrap();
    assert!(
        report.contains("| hot tier random-read IOPS |") && report.contains("**missed**"),
        "{report}"
    );

    // Rollback takes the plan's domains and images, and leaves the unmanaged domain alone.
    play(&t, "playbooks/rollback.yaml", &[]).ok();
    let left = virsh(&["list", "--all", "--name"]);
    assert!(left.contains(UNMANAGED), "{left}");
    assert!(!GUESTS.iter().any(|g| left.contains(g)), "{left}");
    virsh(&["undefine", UNMANAGED]);
}
