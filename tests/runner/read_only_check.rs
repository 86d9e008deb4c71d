//! A check cannot change a host. The types say so: `HostReader` has no way to write, a probe is
//! built only from read-only programs and the repository's probe scripts, and the hypervisor a
//! check sees is a read-only view. This test holds what the types cannot show by themselves:
//! every module in the registry runs its check here, against this machine, through a connection
//! that records every call and refuses every change; each command it starts is one of the
//! probes, and every probe is reached by some case.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use numarun::connection::{
    Attrs, Command, Connection, ConnectionError, Local, Output, Privilege, Program, ReadPlan, Stat,
};
use numarun::diag::Source;
use numarun::modules::probe::{Probe, ReadOnlyProgram, scripts};
use numarun::modules::{Check, HostReader, StepAccess, lookup, names};
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
        self.calls.lock().unwrap().commands.push((words, command.read_only));
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
    fn is_local(&self) -> bool {
        true
    }
}

struct Case {
    module: &'static str,
    args: String,
}

/// What runs for each module's check here, one or more cases a module: every module in the
/// registry has one (a new module without a case fails `every_registered_module_has_a_case`).
fn cases(dir: &Path) -> Vec<Case> {
    let d = dir.display();
    let fs = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
    std::fs::write(dir.join("disk.img"), vec![0u8; 4096]).unwrap();
    fs("image.qcow2", "not really an image\n");
    fs("page.j2", "hello {{ 1 + 1 }}\n");
    fs("vars.yaml", "colour: blue\n");
    fs("empty.gpg", "");
    std::fs::create_dir_all(dir.join("tree/inner")).unwrap();
    fs("tree/inner/leaf", "leaf\n");
    std::fs::create_dir_all(dir.join("unpacked")).unwrap();
    let tar = std::process::Command::new("tar")
        .args(["-cf", "a.tar", "-C", "tree", "inner"])
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(tar.success());
    std::os::unix::fs::symlink(dir.join("disk.img"), dir.join("link")).unwrap();
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(plan_path()).unwrap()).unwrap();
    let vm = plan["virtual_machines"][0].to_string();
    // A plan whose first VM has a static address on its bridge: `vm_plan` reads the bridge's.
    let mut addressed = plan.clone();
    addressed["virtual_machines"][0]["network"] = serde_json::json!({"address": "192.0.2.10/24"});
    fs("plan.json", &addressed.to_string());
    let key =
        "git.lan ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
    let case = |module: &'static str, args: String| Case { module, args };
    vec![
        case("command", "{cmd: 'touch /nonexistent/x', check: 'true'}".into()),
        case("shell", format!("{{cmd: 'echo x > {d}/out', creates: '{d}/out'}}")),
        case("file", format!("{{path: '{d}/touched', state: touch, mode: '0600', owner: root}}")),
        case("file", format!("{{path: '{d}/tree', state: directory, recurse: true, mode: '0700'}}")),
        case("file", format!("{{path: '{d}/hard', src: '{d}/disk.img', state: hard}}")),
        case("file", format!("{{path: '{d}/link', state: file, follow: true, mode: '0600'}}")),
        case(
            "file",
            format!("{{path: '{d}/disk.img', state: file, modification_time: '202001010000.00'}}"),
        ),
        case("copy", format!("{{dest: '{d}/copied', content: 'x'}}")),
        case("copy", format!("{{src: '{d}/tree', dest: '{d}/tree-copy', remote_src: true}}")),
        case("template", format!("{{src: '{d}/page.j2', dest: '{d}/page'}}")),
        case("lineinfile", format!("{{path: '{d}/new/lines', line: 'a', create: true}}")),
        case("blockinfile", format!("{{path: '{d}/blocks', block: 'a', create: true}}")),
        case(
            "sysctl",
            format!(
                "{{name: net.ipv4.ip_forward, value: '1', sysctl_file: '{d}/99.conf', sysctl_set: true}}"
            ),
        ),
        case("assert", "{that: ['1 == 1']}".into()),
        case("set_fact", "{colour: blue}".into()),
        case("include_vars", format!("{{file: '{d}/vars.yaml'}}")),
        case("setup", "{}".into()),
        case("debug", "{msg: hi}".into()),
        case("host_facts", format!("{{free_space: ['{d}/not/yet/made']}}")),
        case("vm_plan", format!("{{plan_file: '{d}/plan.json', show_map: false}}")),
        case("libvirt_domain", "{name: numarun-none, uri: 'test:///default', state: absent}".into()),
        case("libvirt_verify", format!("{{vm: {vm}, uri: 'test:///default'}}")),
        case(
            "libvirt_disk",
            format!("{{domain: test, target: vdz, source: '{d}/disk.img', uri: 'test:///default'}}"),
        ),
        case("qemu_img", format!("{{path: '{d}/new.qcow2', size: 1G}}")),
        case("sysfs", "{path: '/sys/kernel/mm/transparent_hugepage/enable*', value: always}".into()),
        case(
            "cloud_init_iso",
            format!("{{path: '{d}/seed.iso', hostname: vm1, users: [{{username: admin, ssh_authorized_keys: []}}]}}"),
        ),
        case(
            "base_image",
            format!(
                "{{src: '{d}/image.qcow2', dest: '{d}/image.qcow2', sha256: '{}'}}",
                "0".repeat(64)
            ),
        ),
        case(
            "libvirt_address",
            "{domain: test, uri: 'test:///default', sources: [agent, lease], timeout: 1}".into(),
        ),
        case("filesystem", format!("{{dev: '{d}/disk.img', fstype: ext4}}")),
        case(
            "mount",
            format!(
                "{{path: '{d}/mnt', src: '{d}/disk.img', fstype: ext4, state: mounted, fstab: '{d}/fstab'}}"
            ),
        ),
        case("apt", "{name: [numarun-no-such-package]}".into()),
        case("apt", "{name: [numarun-no-such-package], state: latest}".into()),
        case("apt", format!("{{deb: '{d}/disk.img'}}")),
        case("package", "{name: [numarun-no-such-package]}".into()),
        case("service", "{name: numarun-no-such-unit, state: started, enabled: true}".into()),
        case("systemd", "{name: numarun-no-such-unit, state: started}".into()),
        case("systemd_service", "{name: numarun-no-such-unit, enabled: true}".into()),
        case("cron", "{name: nightly, job: 'true', minute: '5'}".into()),
        case("stat", format!("{{path: '{d}/disk.img', get_checksum: true}}")),
        case("find", format!("{{paths: '{d}', patterns: '*.img', get_checksum: true, checksum_algorithm: md5}}")),
        case("find", format!("{{paths: '{d}', patterns: '*.img', get_checksum: true, checksum_algorithm: sha224}}")),
        case("find", format!("{{paths: '{d}', patterns: '*.img', get_checksum: true, checksum_algorithm: sha384}}")),
        case("find", format!("{{paths: '{d}', patterns: '*.img', get_checksum: true, checksum_algorithm: sha512}}")),
        case("find", format!("{{paths: '{d}', patterns: '*.img', get_checksum: true}}")),
        case("fetch", format!("{{src: '{d}/disk.img', dest: '{d}/fetched/'}}")),
        case("pause", "{seconds: 0}".into()),
        case("wait_for", format!("{{path: '{d}/disk.img', timeout: 1}}")),
        case("wait_for_connection", "{timeout: 1}".into()),
        case("user", "{name: root}".into()),
        case("get_url", format!("{{url: 'http://127.0.0.1:9/x', dest: '{d}/disk.img'}}")),
        case(
            "get_url",
            format!(
                "{{url: 'http://127.0.0.1:9/x', dest: '{d}/disk.img', checksum: 'sha256:{}'}}",
                "0".repeat(64)
            ),
        ),
        case("uri", "{url: 'http://127.0.0.1:9/health'}".into()),
        case("known_hosts", format!("{{path: '~/.ssh/numarun-read-only-check', name: git.lan, key: '{key}'}}")),
        case(
            "unarchive",
            format!("{{src: '{d}/a.tar', dest: '{d}/unpacked', remote_src: true, list_files: true}}"),
        ),
        case("group", "{name: root}".into()),
        case("fail", "{msg: no}".into()),
        case("slurp", format!("{{src: '{d}/disk.img'}}")),
        case("replace", format!("{{path: '{d}/page.j2', regexp: hello, replace: bye}}")),
        case("tempfile", "{state: file}".into()),
        case("hostname", "{name: numarun-read-only-check}".into()),
        case("reboot", "{}".into()),
        case(
            "apt_repository",
            "{repo: 'deb http://deb.example.net/debian bookworm main', filename: example, update_cache: false}".into(),
        ),
        case("apt_key", format!("{{id: 0123456789ABCDEF, keyring: '{d}/empty.gpg'}}")),
        case("apt_key", "{url: 'http://127.0.0.1:9/key.asc'}".into()),
        case("apt_key", format!("{{file: '{d}/page.j2'}}")),
        case(
            "deb822_repository",
            "{name: example, uris: 'http://deb.example.net/debian', suites: bookworm, components: main}".into(),
        ),
        case("numa_locality", format!("{{vm: {vm}, run_dir: '{d}/run'}}")),
        case(
            "perf_report",
            format!("{{dest: '{d}/report/perf', measurements: [{{name: iops, value: 1, unit: IOPS, min: 0}}]}}"),
        ),
    ]
}

fn plan_path() -> String {
    format!("{}/examples/vm.cluster-numa.json", env!("CARGO_MANIFEST_DIR"))
}

/// The probes no case here reaches, each with why.
const NOT_REACHED: &[(&str, &str)] = &[(
    "apt_cache_fresh",
    "an apply's question (is apt's cache fresh before it updates), not a check's",
)];

/// Runs one module's check against this machine and returns what it did there.
fn check(case: &Case) -> (Calls, String) {
    let spec = lookup(case.module).unwrap_or_else(|| panic!("no module {}", case.module));
    let node = numarun::yaml::load_str(Source::new(case.module, case.args.clone())).unwrap();
    let entry = spec.module().unwrap_or_else(|| panic!("{} is not a module", case.module));
    let module = (entry.build)(&node, false).unwrap_or_else(|e| panic!("{}: {e}", case.module));
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
fn every_registered_module_has_a_case() {
    let dir = tempfile::tempdir().unwrap();
    let covered: BTreeSet<&str> = cases(dir.path()).iter().map(|c| c.module).collect();
    // The engine's own actions (`meta`, the includes) have no check to hold.
    let modules = names().filter(|name| lookup(name).unwrap().module().is_some());
    let missing: Vec<&str> = modules.filter(|name| !covered.contains(name)).collect();
    assert!(missing.is_empty(), "modules with no read-only case here: {missing:?}");
}

/// What a check started: a program of `ReadOnlyProgram`'s, or one of the probe scripts (by its
/// text), or the user's own `check:` (`true` in the `command` case).
fn started(words: &[String]) -> Result<String, String> {
    let program = words[0].as_str();
    if program == "/bin/sh" && words.get(1).map(String::as_str) == Some("-c") {
        let text = words[2].as_str();
        if text == "true" {
            return Ok("the user's check".into());
        }
        return scripts::ALL
            .iter()
            .find(|script| script.text() == text)
            .map(|script| format!("script {}", script.name()))
            .ok_or_else(|| format!("a script that is not a probe script:\n{text}"));
    }
    match ReadOnlyProgram::programs().contains(&program) {
        true => Ok(program.to_string()),
        false => Err(format!("`{program}`, not a read-only program")),
    }
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
    let mut reached: BTreeSet<String> = BTreeSet::new();
    for case in &cases {
        let (calls, said) = check(case);
        assert!(
            calls.changes.is_empty(),
            "{} {}: the check changed the host ({said}): {:?}",
            case.module,
            case.args,
            calls.changes
        );
        for (words, read_only) in &calls.commands {
            assert!(*read_only, "{}: `{}` ran without being a probe", case.module, words.join(" "));
            match started(words) {
                Ok(what) => reached.insert(what),
                Err(why) => panic!("{} {}: a check started {why}", case.module, case.args),
            };
        }
    }
    // Every probe this test knows of is reached by a case: a reader that recorded nothing, or a
    // case that fails before its probe, would otherwise pass the loop above.
    let mut unreached: Vec<String> = ReadOnlyProgram::programs()
        .into_iter()
        .map(String::from)
        .chain(scripts::ALL.iter().map(|s| format!("script {}", s.name())))
        .filter(|what| !reached.contains(what))
        .filter(|what| !NOT_REACHED.iter().any(|(name, _)| what == &format!("script {name}")))
        .collect();
    unreached.sort();
    assert!(unreached.is_empty(), "no case reaches {unreached:?} (reached: {reached:?})");
    // `perf_report` writes its report on the controller in a dry run too: output, not a change
    // of the host, listed in docs/check-mode.md with what else acts during a check.
    let after: Vec<String> = listing(dir.path()).into_iter().filter(|n| n != "report").collect();
    assert_eq!(after, before, "the checks left files behind");
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
    // The find script prints the host's clock first: a second run would print another time.
    let clock = || Probe::script(&scripts::FIND, ["/nonexistent"]);
    let (first, second) = runtime.block_on(async {
        (host.probe(clock()).await.unwrap(), host.probe(clock()).await.unwrap())
    });
    assert_eq!(first.stdout, second.stdout, "the second answer was not the first one kept");
    assert_eq!(recording.calls.lock().unwrap().commands.len(), 1, "the host was asked twice");
    // A new check asks again: what a change did since is seen.
    let again = HostReader::for_check(access);
    runtime.block_on(again.probe(clock())).unwrap();
    assert_eq!(recording.calls.lock().unwrap().commands.len(), 2);
}
