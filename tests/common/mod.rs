//! Runs the real `numarun` binary in a temporary directory and reads back
//! what it did: exit code, output, its JSON event log, and the files it left.

#![allow(dead_code, unused_imports)]

pub mod ansible;
pub mod debian;
pub mod faulty_link;
pub mod lab;
mod sshd;
pub mod terminal;
pub mod web;
pub use sshd::{Sshd, USER, client_key, kill_tree, signal, sudo_user};

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

/// Whether the tests run as root (sshd, chown, namespaces need it).
pub fn is_root() -> bool {
    fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
}

/// For tests that only root can run: whether to go on (`skip` otherwise).
pub fn runs_as_root(needed_for: &str) -> bool {
    let root = is_root();
    if !root {
        skip(&format!("{needed_for} needs root"));
    }
    root
}

/// A test that cannot run here for want of a prerequisite (root, the lab, a program,
/// ansible-core). CI provides every one, so under `CI` this fails the test; elsewhere the test
/// goes on to pass having done nothing, and the skip is written where `.ci/run` counts it
/// (`skipped_log`), since libtest shows no output of a passing test.
pub fn skip(why: &str) {
    let test = std::thread::current().name().unwrap_or("?").to_string();
    let line = format!("{}::{test}: {why}\n", env!("CARGO_CRATE_NAME"));
    let log = fs::OpenOptions::new().create(true).append(true).open(skipped_log());
    if let Ok(mut log) = log {
        use std::io::Write;
        let _ = log.write_all(line.as_bytes());
    }
    assert!(std::env::var_os("CI").is_none(), "skipped under CI, where a skip is a failure: {why}");
    eprintln!("skipped: {why}");
}

/// Where every skip of this build's tests is written, one line each: `binary::test: why`.
pub fn skipped_log() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("skipped-tests.log")
}

/// Waits for a run, but not forever: a run still going `limit` after the fault it followed is a
/// hang, and the test says which fault instead of holding CI to its time limit.
pub fn finish(run: &mut Child, limit: Duration, context: &str) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = run.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = run.kill();
            panic!("{context}: numarun still running {limit:?} later (a hang)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub struct Test {
    pub dir: tempfile::TempDir,
    /// The daemon `localhost` is reached through, for tests over SSH.
    pub sshd: Option<Sshd>,
}

#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub events: Vec<serde_json::Value>,
}

impl Test {
    pub fn new() -> Test {
        Test { dir: tempfile::tempdir().expect("temp dir"), sshd: None }
    }

    /// `localhost` in `inventory.yaml` is this machine, reached directly.
    pub fn local() -> Test {
        let t = Test::new();
        t.write("inventory.yaml", "all:\n  hosts:\n    localhost: { ansible_connection: local }\n");
        t
    }

    /// `localhost` in `inventory.yaml` is reached over SSH, through a real sshd, as the test user.
    pub fn over_ssh() -> Test {
        let mut t = Test::new();
        let sshd = Sshd::start();
        let known_hosts = t.path().join(".known_hosts");
        fs::write(&known_hosts, sshd.known_hosts_line()).unwrap();
        t.write(
            "inventory.yaml",
            &format!("all:\n  hosts:\n    localhost: {}\n", sshd.vars(&known_hosts)),
        );
        t.sshd = Some(sshd);
        t
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file; `{dir}` in its text becomes the test directory.
    pub fn write(&self, name: &str, text: &str) -> &Test {
        let path = self.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text.replace("{dir}", &self.path().display().to_string())).unwrap();
        self
    }

    pub fn read(&self, name: &str) -> String {
        fs::read_to_string(self.path().join(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_env(args, &[])
    }

    pub fn run_with_env(&self, args: &[&str], env: &[(&str, &Path)]) -> Run {
        let log = self.path().join(".events.jsonl");
        let _ = fs::remove_file(&log);
        let mut all: Vec<&str> = args.to_vec();
        let log_arg = log.display().to_string();
        if args.first() == Some(&"play")
            && !args.iter().any(|a| a.starts_with("--list") || *a == "--syntax-check")
        {
            all.extend(["--json-log", log_arg.as_str()]);
        }
        if !args.contains(&"-i") && self.path().join("inventory.yaml").exists() {
            all.extend(["-i", "inventory.yaml"]);
        }
        self.hand_over();
        let output = Command::new(env!("CARGO_BIN_EXE_numarun"))
            .args(&all)
            .current_dir(self.path())
            .env("NO_COLOR", "1")
            .env_remove("CI")
            // As a project whose ansible.cfg says `gathering = explicit`: a test not about facts
            // counts its own steps. The facts tests and the site's pass `implicit`.
            .env("ANSIBLE_GATHERING", "explicit")
            .envs(env.iter().copied())
            .output()
            .expect("run numarun");
        Run::read(output, &log)
    }

    /// Over SSH, the remote user works on the files the test prepared: they become its own.
    fn hand_over(&self) {
        if self.sshd.is_some() {
            fs::set_permissions(self.path(), fs::Permissions::from_mode(0o755)).unwrap();
            let status =
                Command::new("chown").args(["-R", sshd::USER]).arg(self.path()).status().unwrap();
            assert!(status.success());
        }
    }

    /// Every file and directory under `sub` with its kind, mode, owner and bytes.
    pub fn tree(&self, sub: &str) -> BTreeMap<PathBuf, String> {
        self.hand_over();
        tree(&self.path().join(sub))
    }
}

/// Every file and directory under `root` with its kind, mode, owner and bytes.
pub fn tree(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut tree = BTreeMap::new();
    walk(root, root, &mut tree);
    tree
}

fn walk(root: &Path, dir: &Path, tree: &mut BTreeMap<PathBuf, String>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let meta = fs::symlink_metadata(&path).unwrap();
        let rel = path.strip_prefix(root).unwrap().to_path_buf();
        let attrs =
            format!("{:o} {}:{}", meta.permissions().mode() & 0o7777, meta.uid(), meta.gid());
        if meta.file_type().is_symlink() {
            tree.insert(rel, format!("link -> {}", fs::read_link(&path).unwrap().display()));
        } else if meta.is_dir() {
            tree.insert(rel, format!("dir {attrs}"));
            walk(root, &path, tree);
        } else {
            tree.insert(rel, format!("file {attrs} {:?}", fs::read(&path).unwrap()));
        }
    }
}

impl Run {
    /// A finished run: its output, and the events its JSON log at `log` holds.
    pub fn read(output: std::process::Output, log: &Path) -> Run {
        let events = fs::read_to_string(log)
            .map(|text| {
                text.lines().map(|l| serde_json::from_str(l).expect("json event")).collect()
            })
            .unwrap_or_default();
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into(),
            stderr: String::from_utf8_lossy(&output.stderr).into(),
            events,
        }
    }

    pub fn ok(&self) -> &Run {
        assert_eq!(self.code, 0, "exit code\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }

    /// Task results, in order.
    pub fn steps(&self) -> Vec<&serde_json::Value> {
        self.events.iter().filter(|e| e["event"] == "step_result").collect()
    }

    /// Titles of the steps with this status (for one host or all).
    pub fn with_status(&self, status: &str) -> Vec<String> {
        self.steps()
            .iter()
            .filter(|e| e["status"] == status)
            .map(|e| format!("{}:{}", e["host"].as_str().unwrap(), e["step"].as_str().unwrap()))
            .collect()
    }

    pub fn recap(&self, host: &str) -> serde_json::Value {
        let end = self
            .events
            .iter()
            .find(|e| e["event"] == "run_end")
            .unwrap_or_else(|| panic!("no run_end\n{}\n{}", self.stdout, self.stderr));
        end["recap"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["host"] == host)
            .cloned()
            .unwrap_or_else(|| panic!("no recap for {host}"))
    }

    pub fn changed(&self, host: &str) -> u64 {
        self.recap(host)["changed"].as_u64().unwrap()
    }
}

/// An OpenPGP public key made for the test (ed25519, no passphrase), armored, and its long id.
pub fn gpg_key(dir: &Path) -> (String, String) {
    let home = dir.join(".gnupg-maker");
    fs::create_dir_all(&home).unwrap();
    fs::set_permissions(&home, fs::Permissions::from_mode(0o700)).unwrap();
    let gpg = |args: &[&str]| {
        let out = Command::new("gpg")
            .args(["--batch", "--homedir"])
            .arg(&home)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "gpg {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    gpg(&[
        "--passphrase",
        "",
        "--quick-gen-key",
        "numarun test <test@example.invalid>",
        "ed25519",
        "sign",
        "never",
    ]);
    let armored = gpg(&["--armor", "--export"]);
    let listing = gpg(&["--with-colons", "--list-keys"]);
    let id = listing.lines().find(|l| l.starts_with("pub")).unwrap().split(':').nth(4).unwrap();
    (armored, id.to_string())
}

/// Whether a program is on this machine (`skip` otherwise).
pub fn have(program: &str) -> bool {
    let found = Command::new("sh").args(["-c", &format!("command -v {program}")]).output();
    let here = found.is_ok_and(|o| o.status.success());
    if !here {
        skip(&format!("no {program} on this machine"));
    }
    here
}
