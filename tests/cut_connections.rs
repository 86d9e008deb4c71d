//! The kill test's stress variant: a run whose host is lost at every early moment of its
//! connection must end, and say the host is unreachable. A relay between numarun and a real sshd
//! cuts each run's connection after a chosen number of bytes one way or the other: inside the
//! banner, the key exchange, the login, the first shell's start, the host agent's upload and the
//! steps. A close is what numarun sees when the host's sshd is killed; a stall is a host that
//! hangs, or a link that drops everything from then on. Offsets, not sleeps: every moment is hit
//! on every machine, and a failure names the byte it happened at.

mod common;

use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use common::faulty_link::{Cut, Fault, FaultyLink, Way};
use common::{Sshd, Test};

/// The connect timeout the runs are given: a stall must end within a few of these. Not 1: on a
/// loaded two-core machine the uncut run through the keeper (which it starts first) once took
/// longer than a second to be answered.
const TIMEOUT_S: u64 = 2;

/// One host, a real sshd behind a relay, and a play with a probe, a command and a written file
/// (which starts the host agent), so that every kind of early traffic crosses the relay.
struct Bench {
    t: Test,
    sshd: Sshd,
    link: FaultyLink,
}

impl Bench {
    fn new(extra_vars: &str) -> Bench {
        let t = Test::new();
        let sshd = Sshd::start();
        let link = FaultyLink::start(sshd.port);
        let settings = format!(", ansible_ssh_timeout: {TIMEOUT_S}, ansible_ssh_retries: 0");
        let vars = link.host_vars(&sshd, t.path(), &format!("{settings}{extra_vars}"));
        t.write("inventory.yaml", &format!("all:\n  hosts:\n    h0: {vars}\n"));
        t.write(
            "play.yaml",
            &format!(
                "- hosts: all\n  tasks:\n    - command: id -u\n      changed_when: false\n    - copy: {{ dest: '{}', content: \"{{{{ 'line\\n' * 2000 }}}}\" }}\n",
                sshd.scratch().join("copied").display()
            ),
        );
        Bench { t, sshd, link }
    }

    fn copied(&self) -> PathBuf {
        self.sshd.scratch().join("copied")
    }

    /// One run with its connection cut as `cut` says; its exit status and output.
    fn run(&self, cut: Option<Cut>) -> (ExitStatus, String, Duration) {
        let _ = std::fs::remove_file(self.copied());
        self.link.cut(cut);
        // A runtime folder of its own: through the keeper, each run then makes the connection
        // afresh, and the cut lands on it, not on one an earlier run kept.
        let runtime = tempfile::tempdir_in(self.t.path()).unwrap();
        let started = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_numarun"))
            .args(["play", "play.yaml", "-i", "inventory.yaml"])
            .current_dir(self.t.path())
            .env("NO_COLOR", "1")
            .env("XDG_RUNTIME_DIR", runtime.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // A bound on a hang, far above any honest run's length, not a speed goal.
        let status = common::finish(&mut child, Duration::from_secs(60), &format!("{cut:?}"));
        let output = child.wait_with_output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (status, text, started.elapsed())
    }
}

/// The offsets to cut at: every few bytes through the banners and the first key-exchange
/// packets, then `steps` more spread evenly over the rest of what a whole run sends that way.
fn offsets(total: usize, steps: usize) -> Vec<usize> {
    let mut offsets: Vec<usize> = (0..64).step_by(8).collect();
    offsets.extend((64..total).step_by((total / steps).max(1)));
    offsets
}

/// Cuts each run at every offset one way and the other, and checks each ended as it must.
fn cut_everywhere(bench: &Bench, fault: Fault, steps: usize) -> usize {
    let (status, text, _) = bench.run(None);
    assert!(status.success(), "the uncut run failed:\n{text}");
    let (to_host, from_host) = bench.link.relayed();
    let mut runs = 0;
    for (way, total) in [(Way::ToHost, to_host), (Way::FromHost, from_host)] {
        for after in offsets(total, steps) {
            let cut = Cut { way, after, fault };
            let (status, text, took) = bench.run(Some(cut));
            runs += 1;
            let context = format!("{cut:?} of {total} bytes, after {took:?}");
            assert!(!text.contains("panicked"), "{context}:\n{text}");
            match status.code() {
                Some(4) => {
                    assert!(text.contains("unreachable"), "{context}:\n{text}");
                    // The file is whole or not there.
                    if let Ok(bytes) = std::fs::read(bench.copied()) {
                        assert_eq!(bytes, "line\n".repeat(2000).into_bytes(), "{context}");
                    }
                }
                // Cut after the last byte this run needed.
                Some(0) => {
                    assert!(after * 10 >= total * 9, "{context}: finished, yet was cut:\n{text}");
                    assert_eq!(std::fs::read(bench.copied()).unwrap().len(), 10_000, "{context}");
                }
                _ => panic!("{context}: exit {status:?}:\n{text}"),
            }
            if fault == Fault::Stall {
                // Bounded by the timeouts the host was given: the connect timeout while reaching
                // it; then keepalives at that interval, given up after three unanswered.
                let bound = Duration::from_secs(TIMEOUT_S * 5 + 10);
                assert!(took < bound, "{context}: a stall held the run past {bound:?}");
            }
        }
    }
    runs
}

#[test]
fn a_host_lost_at_any_early_moment_is_unreachable_and_the_run_ends() {
    let bench = Bench::new("");
    let runs = cut_everywhere(&bench, Fault::Close, 60);
    assert!(runs >= 120, "{runs} runs");
}

#[test]
fn a_host_that_stalls_at_any_early_moment_is_unreachable_within_its_timeouts() {
    let bench = Bench::new("");
    cut_everywhere(&bench, Fault::Stall, 8);
}

#[test]
fn through_the_keeper_a_host_lost_at_any_early_moment_is_unreachable_and_the_run_ends() {
    let bench = Bench::new(", ansible_ssh_args: '-o ControlMaster=auto -o ControlPersist=1s'");
    cut_everywhere(&bench, Fault::Close, 15);
}
