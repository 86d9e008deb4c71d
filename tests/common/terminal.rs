//! A terminal for numarun: `script` gives it one whose keyboard is a pipe, for the prompts that
//! read a password with echo off.

use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Runs numarun with these arguments in `dir` on a terminal, types `typed` (and Enter) once it
/// reads the terminal with echo off; its exit status and all the terminal showed.
pub fn type_at_hidden_prompt(dir: &Path, args: &[&str], typed: &str) -> (ExitStatus, String) {
    let command = format!("{} {}", env!("CARGO_BIN_EXE_numarun"), args.join(" "));
    let mut session = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(dir)
        .env("ANSIBLE_GATHERING", "explicit")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Typed only once numarun has turned the terminal's echo off: typed before, the terminal
    // itself would echo it (a fixed sleep here once lost that race on a loaded machine).
    wait_for_hidden_input(session.id());
    // Ignored when it has ended already: what it said shows why.
    let _ =
        std::io::Write::write_all(session.stdin.as_mut().unwrap(), format!("{typed}\n").as_bytes());
    let output = session.wait_with_output().unwrap();
    (output.status, String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Waits until the numarun under `script` (pid `session`) reads its terminal with echo off.
pub fn wait_for_hidden_input(session: u32) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        assert!(Instant::now() < deadline, "numarun never turned its terminal's echo off");
        // Ended without asking: the caller's assertions show what it said.
        let stat = std::fs::read_to_string(format!("/proc/{session}/stat")).unwrap_or_default();
        if stat
            .rsplit(')')
            .next()
            .and_then(|s| s.split_whitespace().next())
            .is_none_or(|s| s == "Z")
        {
            return;
        }
        if let Some(tty) = descendant_named(session, "numarun")
            .and_then(|pid| std::fs::read_link(format!("/proc/{pid}/fd/0")).ok())
        {
            let settings =
                std::process::Command::new("stty").arg("-F").arg(&tty).arg("-a").output();
            let settings = settings.map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
            if settings.is_ok_and(|s| s.split_whitespace().any(|w| w == "-echo")) {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A process below `pid` whose name is `name`.
fn descendant_named(pid: u32, name: &str) -> Option<u32> {
    let parent_of = |p: u32| -> Option<u32> {
        let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).ok()?;
        stat.rsplit(')').next()?.split_whitespace().nth(1)?.parse().ok()
    };
    let all: Vec<u32> = std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect();
    all.into_iter().find(|&p| {
        let named =
            std::fs::read_to_string(format!("/proc/{p}/comm")).is_ok_and(|c| c.trim() == name);
        let mut up = parent_of(p);
        while let Some(parent) = up.filter(|&q| q > 1) {
            if parent == pid {
                return named;
            }
            up = parent_of(parent);
        }
        false
    })
}
