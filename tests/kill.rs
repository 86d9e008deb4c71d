//! Nothing half-written: numarun is interrupted (SIGINT), killed (SIGKILL), or loses the
//! target's sshd at a random moment of a run that rewrites large managed files, again and again.
//! Each managed file must then hold its old bytes or its new ones, never anything else. The
//! moments come from a seeded generator (`NUMARUN_KILL_SEED` replays a failure); a SIGINT must
//! also leave the recap in the JSON log and exit 130.

mod common;

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::Test;

const FILES: usize = 6;
const ITERATIONS: u64 = 60;

/// A small xorshift: repeatable moments without a dependency.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }
}

#[derive(Debug, Clone, Copy)]
enum Fault {
    Interrupt,
    Kill,
    TargetSshdDies,
}

/// Two versions of every managed file, a quarter of a megabyte each, distinct in every line.
fn payloads(t: &Test) {
    for version in ["a", "b"] {
        let text: String = (0..5_000)
            .map(|line| format!("version {version} line {line:06} {}\n", "x".repeat(32)))
            .collect();
        t.write(&format!("payload-{version}"), &text);
    }
    let steps: String = (0..FILES)
        .map(|i| {
            format!(
                "    - copy: {{ src: '{{dir}}/payload-{{{{ version }}}}', dest: '{{dir}}/work/managed-{i}' }}\n\
                 \x20   - lineinfile: {{ path: '{{dir}}/work/edited-{i}', line: 'generation {{{{ version }}}}', regexp: '^generation ', create: true }}\n"
            )
        })
        .collect();
    t.write("play.yaml", &format!("- hosts: localhost\n  tasks:\n{steps}"));
    std::fs::create_dir_all(t.path().join("work")).unwrap();
}

/// A run of `play.yaml`; its keeper (under `ControlPersist`) is the test's own.
fn start(t: &Test, version: &str) -> Child {
    let log = t.path().join("events.jsonl");
    let _ = std::fs::remove_file(&log); // an earlier run's log must not speak for this one
    Command::new(env!("CARGO_BIN_EXE_numarun"))
        .args(["play", "play.yaml", "-i", "inventory.yaml", "-e"])
        .arg(format!("version={version}"))
        .arg("--json-log")
        .arg(&log)
        .current_dir(t.path())
        .env("NO_COLOR", "1")
        .env("XDG_RUNTIME_DIR", t.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start numarun")
}

/// Every managed file holds one version's bytes whole (or is not there yet); no stray file
/// stands where a managed one should.
fn assert_whole(t: &Test, context: &str) {
    let versions: Vec<Vec<u8>> = ["a", "b"]
        .iter()
        .map(|v| std::fs::read(t.path().join(format!("payload-{v}"))).unwrap())
        .collect();
    for i in 0..FILES {
        let managed = t.path().join(format!("work/managed-{i}"));
        if let Ok(bytes) = std::fs::read(&managed) {
            assert!(
                versions.contains(&bytes),
                "{context}: managed-{i} holds {} bytes of neither version",
                bytes.len()
            );
        }
        if let Ok(text) = std::fs::read_to_string(t.path().join(format!("work/edited-{i}"))) {
            assert!(
                ["generation a\n", "generation b\n"].contains(&text.as_str()),
                "{context}: edited-{i} holds {text:?}"
            );
        }
    }
}

fn faults(mut t: Test, faults: &[Fault], seed: u64) {
    payloads(&t);
    t.tree("work"); // over SSH, the remote user must own the folder
    let mut moments = Seeded(seed);
    // How long a whole run takes here: the faults land anywhere in it. The fastest of three runs
    // that each change every file, so that one slow run (a cold cache, a busy machine) does not
    // stretch the window past the runs and leave most faults striking nothing.
    let mut span = u64::MAX;
    for version in ["a", "b", "a"] {
        let timed = Instant::now();
        let mut full = start(&t, version);
        assert!(full.wait().unwrap().success(), "a run without faults failed");
        span = span.min(timed.elapsed().as_millis() as u64);
        assert_whole(&t, "after a whole run");
    }

    let mut landed = 0; // faults that struck a run still going
    for iteration in 0..ITERATIONS {
        let fault = faults[moments.below(faults.len() as u64) as usize];
        let at = Duration::from_millis(moments.below(span + span / 4));
        let version = if iteration % 2 == 0 { "b" } else { "a" };
        let context = format!("seed {seed}, iteration {iteration}: {fault:?} after {at:?}");
        let mut run = start(&t, version);
        std::thread::sleep(at);
        match fault {
            Fault::Interrupt => common::signal(run.id(), libc::SIGINT),
            Fault::Kill => common::signal(run.id(), libc::SIGKILL),
            Fault::TargetSshdDies => t.sshd.as_mut().expect("an sshd").kill(),
        }
        let status = common::finish(&mut run, Duration::from_secs(60), &context);
        landed += usize::from(!status.success());
        assert_whole(&t, &context);
        match fault {
            // Before numarun's first instructions run, SIGINT still ends it by default: nothing began.
            Fault::Interrupt if status.signal() == Some(libc::SIGINT) => {
                let log =
                    std::fs::read_to_string(t.path().join("events.jsonl")).unwrap_or_default();
                assert!(
                    !log.contains("run_start"),
                    "{context}: killed by SIGINT after the run began"
                );
            }
            Fault::Interrupt => {
                let code = status.code();
                assert!(code == Some(130) || code == Some(0), "{context}: exit {status:?}");
                let log = std::fs::read_to_string(t.path().join("events.jsonl")).unwrap();
                let last = log.lines().last().unwrap_or_default();
                assert!(
                    last.starts_with(r#"{"event":"run_end""#),
                    "{context}: the log ends with {last}"
                );
                assert_eq!(
                    code == Some(130),
                    last.contains(r#""interrupted":true"#),
                    "{context}: {last}"
                );
            }
            // Killed, or done before the signal came.
            Fault::Kill => {
                assert!(status.code().is_none() || status.success(), "{context}: {status:?}")
            }
            Fault::TargetSshdDies => t.sshd.as_mut().unwrap().restart(),
        }
    }
    assert!(
        landed as u64 >= ITERATIONS / 2,
        "only {landed} of {ITERATIONS} faults struck a running run"
    );
    // And whatever the faults left, the next whole run converges.
    assert!(start(&t, "b").wait().unwrap().success(), "the run after the faults failed");
    let b = std::fs::read(t.path().join("payload-b")).unwrap();
    for i in 0..FILES {
        assert_eq!(std::fs::read(t.path().join(format!("work/managed-{i}"))).unwrap(), b);
    }
    assert_no_stray_temp_files(
        t.path(),
        &faults.iter().any(|f| matches!(f, Fault::Kill | Fault::TargetSshdDies)),
    );
}

/// Temporary files may be left only where a process was killed mid-write, and then only under
/// their own hidden names.
fn assert_no_stray_temp_files(dir: &Path, killed: &bool) {
    for entry in std::fs::read_dir(dir.join("work")).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let managed = name.starts_with("managed-") || name.starts_with("edited-");
        assert!(
            managed || (*killed && name.starts_with('.') && name.contains(".numarun")),
            "stray file {name}"
        );
    }
}

fn seed() -> u64 {
    std::env::var("NUMARUN_KILL_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_2026_1128)
}

#[test]
fn local_runs_interrupted_or_killed_leave_every_file_whole() {
    faults(Test::local(), &[Fault::Interrupt, Fault::Kill], seed());
}

#[test]
fn ssh_runs_interrupted_killed_or_cut_off_leave_every_file_whole() {
    faults(
        Test::over_ssh(),
        &[Fault::Interrupt, Fault::Kill, Fault::TargetSshdDies],
        seed() ^ 0xa5a5,
    );
}

#[test]
fn runs_through_the_keeper_interrupted_killed_or_cut_off_leave_every_file_whole() {
    // The keeper relays what a killed run had sent of a request, then closes its channel: the
    // host must not run the part. A dead sshd takes the kept connection; the next run reopens it.
    let t = Test::over_ssh();
    let inventory = t.read("inventory.yaml");
    t.write("inventory.yaml", &format!("{inventory}  vars:\n    ansible_ssh_args: '-o ControlMaster=auto -o ControlPersist=2s'\n"));
    faults(t, &[Fault::Interrupt, Fault::Kill, Fault::TargetSshdDies], seed() ^ 0x5a5a);
}
