//! A fleet under faults: 300 hosts, each a real sshd on loopback with its own key and root, run
//! a 30-step workload. A tenth have their sshd killed mid-run, a twentieth present a host key
//! other than the known one, a twentieth are blackholed (their port's packets dropped on
//! loopback). The run must end within a bound, recap every host exactly, leave every healthy
//! host byte for byte right, exit 4, and hold its descriptors and memory to what its forks need.
//! With the faults lifted, a rerun converges the rest and changes nothing on the healthy hosts.

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{Run, Sshd, Test};

const HOSTS: usize = 300;
const FORKS: usize = 50;
const STEPS: usize = 30;
/// The connect timeout: how long a blackholed host is waited for.
const TIMEOUT_S: u64 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Healthy,
    /// Its sshd and every session it forked are killed once it is partway through.
    Killed,
    /// It presents a host key the known_hosts file does not hold.
    WrongKey,
    /// Every packet to its port is dropped.
    Blackholed,
}

fn fate(i: usize) -> Fate {
    match i % 20 {
        0 | 1 => Fate::Killed,
        2 => Fate::WrongKey,
        3 => Fate::Blackholed,
        _ => Fate::Healthy,
    }
}

/// The 30 everyday steps: directories, copies, line edits, templates, blocks, guarded commands,
/// links. `root` is each host's own folder.
fn playbook(t: &Test) -> String {
    t.write("app.conf.j2", "host {{ inventory_hostname }} index {{ index }}\n");
    let mut tasks = Vec::new();
    for (d, mode) in DIRS {
        tasks.push(format!(
            "- file: {{ path: '{{{{ root }}}}/{d}', state: directory, mode: '{mode:04o}' }}"
        ));
    }
    for i in 1..=6 {
        tasks.push(format!("- copy: {{ dest: '{{{{ root }}}}/d6/copy{i}.txt', content: \"copy {i} of {{{{ inventory_hostname }}}}\\n\", mode: '0640' }}"));
    }
    for i in 1..=6 {
        tasks.push(format!("- lineinfile: {{ path: '{{{{ root }}}}/d2/settings.conf', regexp: '^key{i} = ', line: 'key{i} = value{i}', create: true, mode: '0644' }}"));
    }
    for i in 1..=4 {
        tasks.push(format!("- template: {{ src: app.conf.j2, dest: '{{{{ root }}}}/d1/app{i}.conf', mode: '0644' }}\n  vars: {{ index: {i} }}"));
    }
    for (file, _) in BLOCKS {
        tasks.push(format!("- blockinfile: {{ path: '{{{{ root }}}}/d3/{file}', block: \"{file} of {{{{ inventory_hostname }}}}\", create: true, mode: '0644' }}"));
    }
    for i in 1..=3 {
        tasks.push(format!("- shell: 'echo built {i} > {{{{ root }}}}/d4/built{i}'\n  args: {{ creates: '{{{{ root }}}}/d4/built{i}' }}"));
    }
    for i in 1..=3 {
        tasks.push(format!(
            "- file: {{ path: '{{{{ root }}}}/d5/link{i}', src: '../d1/app{i}.conf', state: link }}"
        ));
    }
    assert_eq!(tasks.len(), STEPS);
    let tasks: String =
        tasks.iter().map(|t| format!("    {}\n", t.replace('\n', "\n    "))).collect();
    format!("- hosts: all\n  gather_facts: false\n  tasks:\n{tasks}")
}

const DIRS: [(&str, u32); 6] =
    [("d1", 0o755), ("d2", 0o750), ("d3", 0o700), ("d4", 0o755), ("d5", 0o711), ("d6", 0o775)];
const BLOCKS: [(&str, ()); 2] = [("hosts.txt", ()), ("motd", ())];

/// What a host's root holds once the workload is done: path → kind, mode and bytes or target.
fn end_state(host: &str) -> BTreeMap<PathBuf, String> {
    let mut state = BTreeMap::new();
    let mut put = |path: &str, what: String| state.insert(PathBuf::from(path), what);
    for (d, mode) in DIRS {
        put(d, format!("dir {mode:o}"));
    }
    for i in 1..=6 {
        put(&format!("d6/copy{i}.txt"), format!("file 640 {:?}", format!("copy {i} of {host}\n")));
    }
    let settings: String = (1..=6).map(|i| format!("key{i} = value{i}\n")).collect();
    put("d2/settings.conf", format!("file 644 {settings:?}"));
    for i in 1..=4 {
        put(
            &format!("d1/app{i}.conf"),
            format!("file 644 {:?}", format!("host {host} index {i}\n")),
        );
    }
    for (file, _) in BLOCKS {
        let block = format!(
            "# BEGIN ANSIBLE MANAGED BLOCK\n{file} of {host}\n# END ANSIBLE MANAGED BLOCK\n"
        );
        put(&format!("d3/{file}"), format!("file 644 {block:?}"));
    }
    for i in 1..=3 {
        put(&format!("d4/built{i}"), format!("file 644 {:?}", format!("built {i}\n")));
        put(&format!("d5/link{i}"), format!("link -> ../d1/app{i}.conf"));
    }
    state
}

/// A host's root as `end_state` describes one (owners left out: all the login user's).
fn state_of(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut state = BTreeMap::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let mode = meta.permissions().mode() & 0o7777;
            let what = if meta.is_symlink() {
                format!("link -> {}", std::fs::read_link(&path).unwrap().display())
            } else if meta.is_dir() {
                folders.push(path.clone());
                format!("dir {mode:o}")
            } else {
                let bytes = std::fs::read(&path).unwrap();
                format!("file {mode:o} {:?}", String::from_utf8_lossy(&bytes))
            };
            state.insert(path.strip_prefix(root).unwrap().to_path_buf(), what);
        }
    }
    state
}

/// The fleet: a daemon per host, the known_hosts file, and the firewall table of the blackhole.
struct Fleet {
    t: Test,
    daemons: Vec<Sshd>,
    known_hosts: PathBuf,
    table: String,
}

impl Fleet {
    fn start() -> Fleet {
        let t = Test::new();
        let daemons: Vec<Sshd> = std::thread::scope(|scope| {
            let started: Vec<_> = (0..8)
                .map(|_| {
                    scope.spawn(|| (0..HOSTS / 8 + 1).map(|_| Sshd::start()).collect::<Vec<_>>())
                })
                .collect();
            started.into_iter().flat_map(|s| s.join().unwrap()).take(HOSTS).collect()
        });
        let fleet = Fleet {
            known_hosts: t.path().join("known_hosts"),
            table: format!("numarun_fleet_{}", std::process::id()),
            t,
            daemons,
        };
        let mut inventory = String::from("all:\n  vars:\n");
        inventory += &format!(
            "    ansible_user: {}\n    ansible_ssh_private_key_file: {}\n    ansible_ssh_known_hosts_file: {}\n    ansible_ssh_timeout: {TIMEOUT_S}\n    ansible_ssh_retries: 0\n  hosts:\n",
            common::USER,
            common::client_key().display(),
            fleet.known_hosts.display()
        );
        for (i, sshd) in fleet.daemons.iter().enumerate() {
            let root = sshd.scratch().join("root");
            inventory += &format!(
                "    h{i}: {{ ansible_host: 127.0.0.1, ansible_port: {}, root: {} }}\n",
                sshd.port,
                root.display()
            );
        }
        fleet.t.write("inventory.yaml", &inventory);
        fleet.t.write("play.yaml", &playbook(&fleet.t));
        fleet
    }

    fn root(&self, i: usize) -> PathBuf {
        self.daemons[i].scratch().join("root")
    }

    /// Every host's root emptied and its own; the faults put in place (or lifted).
    fn prepare(&mut self, faults: bool) {
        for i in 0..HOSTS {
            let root = self.root(i);
            let _ = std::fs::remove_dir_all(&root);
            std::fs::create_dir(&root).unwrap();
            std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
            let owned = Command::new("chown").arg(common::USER).arg(&root).status().unwrap();
            assert!(owned.success());
        }
        self.write_known_hosts(faults);
        self.blackhole(faults);
    }

    /// The known_hosts file; with faults, the wrong-key hosts are known by another key.
    fn write_known_hosts(&self, faults: bool) {
        let stranger = &self.daemons[fate_index(Fate::Healthy)].host_key;
        let lines: String = self
            .daemons
            .iter()
            .enumerate()
            .map(|(i, sshd)| {
                let key =
                    if faults && fate(i) == Fate::WrongKey { stranger } else { &sshd.host_key };
                format!("[127.0.0.1]:{} {key}\n", sshd.port)
            })
            .collect();
        std::fs::write(&self.known_hosts, lines).unwrap();
    }

    /// Drops every packet to the blackholed hosts' ports on loopback (or lifts the drop).
    fn blackhole(&self, on: bool) {
        let _ = Command::new("nft")
            .args(["delete", "table", "inet", &self.table])
            .stderr(Stdio::null())
            .status();
        if !on {
            return;
        }
        let ports: Vec<String> = (0..HOSTS)
            .filter(|&i| fate(i) == Fate::Blackholed)
            .map(|i| self.daemons[i].port.to_string())
            .collect();
        let rules = format!(
            "table inet {t} {{\n  chain out {{\n    type filter hook output priority 0;\n    oif lo tcp dport {{ {p} }} drop\n  }}\n}}\n",
            t = self.table,
            p = ports.join(", ")
        );
        let mut nft = Command::new("nft").args(["-f", "-"]).stdin(Stdio::piped()).spawn().unwrap();
        std::io::Write::write_all(nft.stdin.as_mut().unwrap(), rules.as_bytes()).unwrap();
        assert!(nft.wait().unwrap().success(), "nft refused {rules}");
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        self.blackhole(false);
    }
}

fn fate_index(wanted: Fate) -> usize {
    (0..HOSTS).find(|&i| fate(i) == wanted).unwrap()
}

/// What the run's process held, sampled while it ran.
#[derive(Default, Debug)]
struct Footprint {
    peak_descriptors: usize,
    peak_rss_kb: u64,
    /// Descriptors held in each tenth of the run, at its highest.
    descriptors_by_tenth: Vec<usize>,
}

/// Runs the play over the fleet with `during` running beside it until the run ends; the run, how
/// long it took, and what its process held meanwhile.
fn play(fleet: &Fleet, during: impl FnOnce(&AtomicBool) + Send) -> (Run, Duration, Footprint) {
    let log = fleet.t.path().join("events.jsonl");
    let _ = std::fs::remove_file(&log);
    // Files, not pipes: nobody reads the output while it runs, and a full pipe would stop it.
    let (stdout, stderr) = (fleet.t.path().join("stdout"), fleet.t.path().join("stderr"));
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_numarun"))
        .args(["play", "play.yaml", "-i", "inventory.yaml", "-f", &FORKS.to_string(), "--json-log"])
        .arg(&log)
        .current_dir(fleet.t.path())
        .env("NO_COLOR", "1")
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .unwrap();
    let pid = child.id();
    let done = AtomicBool::new(false);
    let samples = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        scope.spawn(|| during(&done));
        scope.spawn(|| {
            while !done.load(Ordering::SeqCst) {
                if let Some(sample) = sample(pid) {
                    samples.lock().unwrap().push(sample);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        // Set however the wait ends, so that the threads beside it end too.
        let _ended = Ended(&done);
        // A bound on a hang, not a speed goal (the README gives the measured time).
        common::finish(&mut child, Duration::from_secs(600), "the fleet run");
    });
    let took = started.elapsed();
    let samples = samples.into_inner().unwrap();
    let tenth = samples.len().div_ceil(10).max(1);
    let footprint = Footprint {
        peak_descriptors: samples.iter().map(|s| s.0).max().unwrap_or(0),
        peak_rss_kb: samples.iter().map(|s| s.1).max().unwrap_or(0),
        descriptors_by_tenth: samples
            .chunks(tenth)
            .map(|c| c.iter().map(|s| s.0).max().unwrap())
            .collect(),
    };
    let output = std::process::Output {
        status: child.wait().unwrap(),
        stdout: std::fs::read(stdout).unwrap(),
        stderr: std::fs::read(stderr).unwrap(),
    };
    (Run::read(output, &log), took, footprint)
}

struct Ended<'a>(&'a AtomicBool);

impl Drop for Ended<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// A process's open descriptors and resident memory (KiB), if it still runs.
fn sample(pid: u32) -> Option<(usize, u64)> {
    let descriptors = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss = status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?;
    Some((descriptors, rss.parse().ok()?))
}

/// Kills each doomed host's sshd, with every session it forked, once the host has done its sixth
/// step (its last directory exists); the hosts it killed short of their last step.
fn kill_partway(fleet: &Fleet, done: &AtomicBool) -> Vec<usize> {
    let mut waiting: Vec<usize> = (0..HOSTS).filter(|&i| fate(i) == Fate::Killed).collect();
    let mut partway = Vec::new();
    while !waiting.is_empty() && !done.load(Ordering::SeqCst) {
        waiting.retain(|&i| {
            let root = fleet.root(i);
            if !root.join("d6").exists() {
                return true;
            }
            common::kill_tree(fleet.daemons[i].pid());
            // Looked at after the kill, when nothing more can land.
            if !root.join("d5/link3").exists() {
                partway.push(i);
            }
            false
        });
        std::thread::sleep(Duration::from_millis(2));
    }
    partway
}

/// The host's root is byte for byte the workload's end state. Where its sshd was killed, a
/// temporary the write in flight left under its own hidden name may remain, as in the kill test.
fn assert_converged(fleet: &Fleet, i: usize) {
    let host = format!("h{i}");
    let mut state = state_of(&fleet.root(i));
    if fate(i) == Fate::Killed {
        state.retain(|path, _| {
            let name = path.file_name().unwrap().to_string_lossy();
            !(name.starts_with('.') && name.contains(".numarun."))
        });
    }
    assert_eq!(state, end_state(&host), "{host}");
}

#[test]
fn a_fleet_under_faults_ends_in_bound_reports_each_host_and_converges_after() {
    if !common::runs_as_root("300 sshd daemons and a firewall rule") {
        return;
    }
    let mut fleet = Fleet::start();
    fleet.prepare(true);
    let killed_partway = Mutex::new(Vec::new());
    let (run, took, footprint) =
        play(&fleet, |done| *killed_partway.lock().unwrap() = kill_partway(&fleet, done));
    let killed_partway = killed_partway.into_inner().unwrap();
    eprintln!(
        "with faults: {took:?}, exit {}, {footprint:?}, {} killed partway",
        run.code,
        killed_partway.len()
    );

    assert_eq!(run.code, 4, "{}\n{}", run.stdout, run.stderr);
    // The bound this test states for the run: the blackholed hosts wait out their 5 s connect
    // timeout fifty at a time, beside the rest; measured 19 to 22 s here (a debug build).
    assert!(took < Duration::from_secs(120), "the run under faults took {took:?}");
    // Descriptors follow the forks, not the 300 hosts or the 60 faults.
    assert!(footprint.peak_descriptors <= FORKS + 40, "{footprint:?}");
    // And they do not pile up as the run goes on: a leak would make its last half the highest.
    let (early, late) = footprint.descriptors_by_tenth.split_at(5);
    let highest = |tenths: &[usize]| tenths.iter().copied().max().unwrap_or(0);
    assert!(highest(late) <= highest(early) + 10, "{footprint:?}");
    for i in 0..HOSTS {
        let host = format!("h{i}");
        let recap = run.recap(&host);
        let count = |key: &str| recap[key].as_u64().unwrap();
        let counts = (count("ok"), count("changed"), count("failed"), count("unreachable"));
        // What the run said of the host when it could not reach it, for a failure's message.
        let said = run
            .events
            .iter()
            .filter(|e| e["event"] == "host_unreachable" && e["host"] == host.as_str())
            .map(|e| e["message"].to_string())
            .collect::<Vec<_>>()
            .join("; ");
        let recap = format!("{recap} {said}");
        match fate(i) {
            Fate::Healthy => {
                assert_eq!(counts, (30, 30, 0, 0), "{host}: {recap}");
                assert_converged(&fleet, i);
            }
            Fate::WrongKey | Fate::Blackholed => {
                assert_eq!(counts, (0, 0, 0, 1), "{host}: {recap}")
            }
            Fate::Killed if killed_partway.contains(&i) => {
                // Exactly the steps its log reports done, then unreachable. The sixth may be
                // done on the host while its answer was lost.
                let done = run
                    .steps()
                    .iter()
                    .filter(|s| s["host"] == host.as_str() && s["status"] != "unreachable")
                    .count() as u64;
                assert!((5..STEPS as u64).contains(&done), "{host}: {done} steps done");
                assert_eq!(counts, (done, done, 0, 1), "{host}: {recap}");
            }
            // Done before its sshd was killed.
            Fate::Killed => assert_eq!(counts, (30, 30, 0, 0), "{host}: {recap}"),
        }
    }
    let doomed = (0..HOSTS).filter(|&i| fate(i) == Fate::Killed).count();
    let partway = killed_partway.len();
    assert!(partway * 10 >= doomed * 9, "only {partway} of {doomed} killed partway");

    // The faults lifted: the dead daemons back, the right keys known, the blackhole gone.
    for i in 0..HOSTS {
        if fate(i) == Fate::Killed {
            fleet.daemons[i].restart();
        }
    }
    fleet.write_known_hosts(false);
    fleet.blackhole(false);
    let (rerun, took_again, footprint_again) = play(&fleet, |_| {});
    eprintln!("faults lifted: {took_again:?}, exit {}, {footprint_again:?}", rerun.code);
    assert_eq!(rerun.code, 0, "{}\n{}", rerun.stdout, rerun.stderr);
    // The faults cost nothing that stays: the run under them held no more than the run without.
    assert!(footprint.peak_descriptors <= footprint_again.peak_descriptors + 10, "{footprint:?}");
    assert!(footprint.peak_rss_kb <= footprint_again.peak_rss_kb * 3 / 2, "{footprint:?}");
    for i in 0..HOSTS {
        let changed = rerun.changed(&format!("h{i}"));
        let faulted =
            fate(i) != Fate::Healthy && (fate(i) != Fate::Killed || killed_partway.contains(&i));
        if faulted {
            assert!(changed > 0, "h{i} did not converge");
        } else {
            assert_eq!(changed, 0, "h{i} changed on the rerun");
        }
        assert_converged(&fleet, i);
    }
}
