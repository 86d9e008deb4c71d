//! A write is durable as well as atomic: the temporary's bytes are synced to the disk before the
//! rename makes them the file, and the folder after it, or a power cut can leave the new name on
//! an empty file. `strace -f -y` on the side that writes shows the order of the calls, for each
//! way numarun writes: on this machine itself, through the host agent over SSH, and through the
//! shell snippets over SSH (a host without Perl).

use crate::common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::Test;

/// `strace -f -y` attached to a process, its log in `log`.
struct Trace {
    child: Child,
}

impl Trace {
    fn attach(pid: u32, log: &Path) -> Trace {
        let child = Command::new("strace")
            .args(["-f", "-y", "-qq", "-e", "trace=fsync,fdatasync,rename,renameat,renameat2"])
            .arg("-o")
            .arg(log)
            .args(["-p", &pid.to_string()])
            .stderr(Stdio::null())
            .spawn()
            .expect("strace (Debian: strace)");
        // Attached once strace has written its first line or a moment has passed.
        std::thread::sleep(Duration::from_millis(300));
        Trace { child }
    }

    fn stop(mut self) {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) };
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "strace did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The calls that touch `dest`'s folder, in order, as `sync temp`, `rename dest`, `sync folder`.
fn calls_on(log: &str, dest: &Path) -> Vec<String> {
    let folder = dest.parent().unwrap().display().to_string();
    let name = dest.file_name().unwrap().to_string_lossy().to_string();
    let mut calls = Vec::new();
    for line in log.lines() {
        let call = line.split_once(' ').map_or(line, |(_, rest)| rest).trim_start();
        if call.starts_with("fsync(") || call.starts_with("fdatasync(") {
            let Some(path) = call.split_once('<').and_then(|(_, p)| p.split_once('>')) else {
                continue;
            };
            if path.0 == folder {
                calls.push("sync folder".to_string());
            } else if path.0.starts_with(&folder)
                && path.0.contains(&name)
                && path.0 != dest.display().to_string()
            {
                calls.push("sync temp".to_string());
            }
        } else if call.starts_with("rename")
            && (call.contains(&format!("{}\"", dest.display()))
                || call.contains(&format!("\"{name}\"")))
            && call.contains("= 0")
        {
            calls.push("rename dest".to_string());
        }
    }
    calls
}

fn assert_durable(log: &str, dest: &Path) {
    let calls = calls_on(log, dest);
    let at = |call: &str| calls.iter().position(|c| c == call);
    let (synced, renamed, folder) = (at("sync temp"), at("rename dest"), at("sync folder"));
    assert!(
        synced.is_some() && renamed.is_some() && synced < renamed,
        "the temporary is not synced before the rename: {calls:?}\n{log}"
    );
    let after: Vec<_> = calls[renamed.unwrap()..].iter().collect();
    assert!(
        after.iter().any(|c| *c == "sync folder") && folder.is_some(),
        "the folder is not synced after the rename: {calls:?}\n{log}"
    );
}

fn strace_present() -> bool {
    let there = Command::new("strace").arg("-V").output().is_ok_and(|o| o.status.success());
    if !there {
        common::skip("no strace on this machine");
    }
    there
}

const PLAY: &str = "- hosts: localhost\n  tasks:\n\
                    \x20   - copy: { dest: '{{ dest }}', content: \"durable\\n\", mode: '0640' }\n";

#[test]
fn a_local_write_is_synced_before_and_after_its_rename() {
    if !strace_present() {
        return;
    }
    let t = Test::local();
    t.write("play.yaml", PLAY);
    let dest = t.path().join("out").join("file.conf");
    std::fs::create_dir(dest.parent().unwrap()).unwrap();
    let log = t.path().join("strace.log");
    let out = Command::new("strace")
        .args(["-f", "-y", "-qq", "-e", "trace=fsync,fdatasync,rename,renameat,renameat2", "-o"])
        .arg(&log)
        .arg(env!("CARGO_BIN_EXE_numarun"))
        .args(["play", "play.yaml", "-i", "inventory.yaml", "-e"])
        .arg(format!("dest={}", dest.display()))
        .current_dir(t.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "durable\n");
    assert_durable(&std::fs::read_to_string(&log).unwrap(), &dest);
}

/// Over SSH, traced on the host's side: every session its sshd forks.
fn over_ssh(agent: bool) {
    if !common::runs_as_root("a test sshd") || !strace_present() {
        return;
    }
    let t = Test::over_ssh();
    if !agent {
        let inventory =
            t.read("inventory.yaml").replace(" }\n", ", numarun_perl_interpreter: none }\n");
        t.write("inventory.yaml", &inventory);
    }
    t.write("play.yaml", PLAY);
    let sshd = t.sshd.as_ref().unwrap();
    let dest = sshd.scratch().join(if agent { "agent.conf" } else { "shell.conf" });
    let log = t.path().join("strace.log");
    let trace = Trace::attach(sshd.pid(), &log);
    let run = t.run(&["play", "play.yaml", "-e", &format!("dest={}", dest.display())]);
    trace.stop();
    run.ok();
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "durable\n");
    assert_durable(&std::fs::read_to_string(&log).unwrap(), &dest);
}

#[test]
fn a_write_through_the_host_agent_is_synced_before_and_after_its_rename() {
    over_ssh(true);
}

#[test]
fn a_write_through_the_shell_is_synced_before_and_after_its_rename() {
    over_ssh(false);
}
