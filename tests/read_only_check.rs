//! A check cannot change a host. The types say so (`HostReader` has no way to write); this test
//! holds what the types cannot: every command a check runs is a probe the connection sees as
//! look-only, and its program is one that only reads. Each module that has a check with reads is
//! checked here against this machine, through a connection that records every call and refuses
//! every change.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use numarun::connection::{
    Attrs, Command, Connection, ConnectionError, Local, Output, Privilege, Program, ReadPlan, Stat,
};
use numarun::diag::Source;
use numarun::modules::{Check, HostReader, StepAccess, lookup};
use numarun::redact::Redactor;
use numarun::template::{Scope, Templater};

/// What a check did on the host.
#[derive(Default)]
struct Calls {
    /// Each command: its words, and whether the connection was told it only looks.
    commands: Vec<(Vec<String>, bool)>,
    /// Each change it tried.
    changes: Vec<String>,
}

/// This machine, through a connection that records every call and refuses every change.
#[derive(Clone)]
struct Recording {
    local: Arc<Local>,
    calls: Arc<Mutex<Calls>>,
}

impl Recording {
    fn refuse(&self, what: String) -> Result<(), ConnectionError> {
        self.calls.lock().unwrap().changes.push(what.clone());
        Err(ConnectionError::Unsupported(format!("a check tried to change the host: {what}")))
    }
}

#[async_trait]
impl Connection for Recording {
    fn elevated(&self, _: &Privilege) -> Arc<dyn Connection> {
        Arc::new(self.clone())
    }
    async fn run(&self, command: &Command) -> Result<Output, ConnectionError> {
        let words = match &command.program {
            Program::Argv(argv) => argv.clone(),
            Program::Shell { script, executable } => {
                vec![executable.clone(), "-c".into(), script.clone()]
            }
        };
        self.calls.lock().unwrap().commands.push((words, command.look_only));
        self.local.run(command).await
    }
    async fn read(&self, path: &str) -> Result<Option<Vec<u8>>, ConnectionError> {
        self.local.read(path).await
    }
    async fn write(&self, path: &str, _: &[u8], _: Attrs) -> Result<(), ConnectionError> {
        self.refuse(format!("write {path}"))
    }
    async fn stat(&self, path: &str) -> Result<Option<Stat>, ConnectionError> {
        self.local.stat(path).await
    }
    async fn inspect(
        &self,
        path: &str,
    ) -> Result<Option<(Stat, Option<Vec<u8>>)>, ConnectionError> {
        self.local.inspect(path).await
    }
    async fn mkdir(&self, path: &str, _: Attrs) -> Result<(), ConnectionError> {
        self.refuse(format!("mkdir {path}"))
    }
    async fn set_attrs(&self, path: &str, _: Attrs) -> Result<(), ConnectionError> {
        self.refuse(format!("set attributes of {path}"))
    }
    async fn remove(&self, path: &str) -> Result<(), ConnectionError> {
        self.refuse(format!("remove {path}"))
    }
    async fn symlink(&self, target: &str, path: &str) -> Result<(), ConnectionError> {
        self.refuse(format!("link {path} to {target}"))
    }
    fn prefetch(&self, _: ReadPlan) {}
}

/// The programs a check may start: each only reads. A new probe is added here with the reason it
/// only reads, or it is not a probe.
const READ_ONLY_PROGRAMS: &[&str] = &[
    "dpkg-query", // the package database, read
    "systemctl",  // `show` only (asserted below)
    "crontab",    // `-l` only (asserted below)
    "findmnt",    // the mount table, read
    "blkid",      // `-p` reads the device's signature
    "sha256sum",  // reads a file
    "df",         // reads filesystem sizes
    "/bin/sh",    // the scripts below, each of which only reads
];

/// A check's shell scripts that only read: a user's `check:` guard (`true` here), the sysfs
/// dumps of host facts, `setup`'s survey (files under /etc, /proc and /sys, and `uname`,
/// `hostname`, `getent`, `ip` show and route show, `stat -f`, `id`, `date`, `env`).
fn script_only_reads(script: &str) -> bool {
    script == "true"
        || script.starts_with("for d in /sys/block/*")
        || script.starts_with("cd \"$1/devices/system\"")
        || script == numarun::modules::setup_script()
}

struct Case {
    module: &'static str,
    args: String,
}

fn cases(dir: &Path) -> Vec<Case> {
    let d = dir.display();
    std::fs::write(dir.join("disk.img"), vec![0u8; 4096]).unwrap();
    std::fs::write(dir.join("image.qcow2"), b"not really an image\n").unwrap();
    std::fs::write(dir.join("page.j2"), "hello {{ 1 + 1 }}\n").unwrap();
    let case = |module: &'static str, args: String| Case { module, args };
    vec![
        case("command", "{cmd: 'touch /nonexistent/x', check: 'true'}".into()),
        case("setup", "{}".into()),
        case("shell", format!("{{cmd: 'echo x > {d}/out', creates: '{d}/out'}}")),
        case("file", format!("{{path: '{d}/touched', state: touch, mode: '0600', owner: root}}")),
        case("copy", format!("{{dest: '{d}/copied', content: 'x'}}")),
        case("template", format!("{{src: '{d}/page.j2', dest: '{d}/page'}}")),
        case("lineinfile", format!("{{path: '{d}/new/lines', line: 'a', create: true}}")),
        case("blockinfile", format!("{{path: '{d}/blocks', block: 'a', create: true}}")),
        case(
            "sysctl",
            format!(
                "{{name: net.ipv4.ip_forward, value: '1', sysctl_file: '{d}/99.conf', sysctl_set: true}}"
            ),
        ),
        case("apt", "{name: [numarun-no-such-package]}".into()),
        case("service", "{name: numarun-no-such-unit, state: started, enabled: true}".into()),
        case("cron", "{name: nightly, job: 'true', minute: '5'}".into()),
        case(
            "mount",
            format!(
                "{{path: '{d}/mnt', src: '{d}/disk.img', fstype: ext4, state: mounted, fstab: '{d}/fstab'}}"
            ),
        ),
        case("filesystem", format!("{{dev: '{d}/disk.img', fstype: ext4}}")),
        case("qemu_img", format!("{{path: '{d}/new.qcow2', size: 1G}}")),
        case(
            "base_image",
            format!(
                "{{src: '{d}/image.qcow2', dest: '{d}/image.qcow2', sha256: '{}'}}",
                "0".repeat(64)
            ),
        ),
        case("host_facts", format!("{{free_space: ['{d}/not/yet/made']}}")),
    ]
}

/// Runs one module's check against this machine and returns what it did there.
fn check(case: &Case) -> (Calls, String) {
    let spec = lookup(case.module).unwrap_or_else(|| panic!("no module {}", case.module));
    let node = numarun::yaml::load_str(Source::new(case.module, case.args.clone())).unwrap();
    let module = (spec.build)(&node, false).unwrap_or_else(|e| panic!("{}: {e}", case.module));
    let recording = Recording { local: Arc::new(Local::default()), calls: Arc::default() };
    let scope = Scope::new(Arc::new(Templater::new()), Vec::new());
    let secrets = Redactor::default();
    let search_dirs: Vec<PathBuf> = Vec::new();
    let access = StepAccess {
        connection: &recording,
        env: &[],
        scope: &scope,
        search_dirs: &search_dirs,
        span: &node.span,
        secrets: &secrets,
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let found = runtime.block_on(module.check(&HostReader::for_check(access)));
    let said = match found {
        Ok(Check::Ok(_)) => "nothing to do".to_string(),
        Ok(Check::Change(change, _) | Check::Always(change, _)) => {
            format!("change: {}", change.summary)
        }
        Ok(Check::Unknown(reason, _)) => format!("unknown: {reason}"),
        Err(error) => format!("error: {error}"),
    };
    let calls = std::mem::take(&mut *recording.calls.lock().unwrap());
    (calls, said)
}

#[test]
fn a_check_changes_nothing_and_runs_only_probes_that_read() {
    let dir = tempfile::tempdir().unwrap();
    let listing = |dir: &Path| {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let cases = cases(dir.path());
    let before = listing(dir.path());
    let mut probes = 0;
    for case in cases {
        let (calls, said) = check(&case);
        assert!(
            calls.changes.is_empty(),
            "{}: the check changed the host ({said}): {:?}",
            case.module,
            calls.changes
        );
        for (words, look_only) in &calls.commands {
            let program = words[0].as_str();
            assert!(
                *look_only,
                "{}: `{}` ran without being marked look-only",
                case.module,
                words.join(" ")
            );
            assert!(
                READ_ONLY_PROGRAMS.contains(&program),
                "{}: a check started `{program}`, not a read-only program",
                case.module
            );
            match program {
                "systemctl" => {
                    assert_eq!(words[1], "show", "{}: systemctl {}", case.module, words[1])
                }
                "crontab" => assert!(
                    words.contains(&"-l".to_string()),
                    "{}: crontab {:?}",
                    case.module,
                    words
                ),
                "/bin/sh" => assert!(
                    script_only_reads(&words[2]),
                    "{}: a check ran a script:\n{}",
                    case.module,
                    words[2]
                ),
                _ => {}
            }
            probes += 1;
        }
    }
    // The cases reach the probes: a reader that recorded nothing would pass the loop above.
    assert!(probes >= 10, "only {probes} probes ran");
    assert_eq!(listing(dir.path()), before, "the checks left files behind");
}

#[test]
fn a_check_asks_each_probe_once() {
    let recording = Recording { local: Arc::new(Local::default()), calls: Arc::default() };
    let scope = Scope::new(Arc::new(Templater::new()), Vec::new());
    let secrets = Redactor::default();
    let node = numarun::yaml::load_str(Source::new("probe", "{}")).unwrap();
    let access = StepAccess {
        connection: &recording,
        env: &[],
        scope: &scope,
        search_dirs: &[],
        span: &node.span,
        secrets: &secrets,
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let host = HostReader::for_check(access);
    let date = || Command::argv(["date", "+%N"]);
    let (first, second) = runtime
        .block_on(async { (host.probe(date()).await.unwrap(), host.probe(date()).await.unwrap()) });
    assert_eq!(first.stdout, second.stdout, "the second answer was not the first one kept");
    assert_eq!(recording.calls.lock().unwrap().commands.len(), 1, "the host was asked twice");
    // A new check asks again: what a change did since is seen.
    let again = HostReader::for_check(access);
    runtime.block_on(again.probe(date())).unwrap();
    assert_eq!(recording.calls.lock().unwrap().commands.len(), 2);
}
