//! ansible-core as the reference: the same content run through `ansible-playbook` and numarun,
//! compared on what they did. `.ci/run` installs the reference (`.ci/ansible-core.txt`, pinned)
//! and names it in `NUMARUN_ANSIBLE_PLAYBOOK`; elsewhere without it, the tests that use it skip
//! (`super::skip`: a failure under CI).

use std::sync::OnceLock;

use super::Test;

/// The reference ansible-core, as `.ci/run` installs it: the first line of its requirements.
pub const REFERENCE: &str = include_str!("../../.ci/ansible-core.txt");

/// ansible-playbook of the reference version, or `None` (a skip) when it is not installed. One
/// of another version fails the test: a comparison with it would prove nothing about the one
/// the docs name.
pub fn ansible_playbook() -> Option<String> {
    let Ok(path) = std::env::var("NUMARUN_ANSIBLE_PLAYBOOK") else {
        super::skip("no ansible-core: NUMARUN_ANSIBLE_PLAYBOOK names none");
        return None;
    };
    if !std::path::Path::new(&path).exists() {
        super::skip(&format!("no ansible-core at {path} (NUMARUN_ANSIBLE_PLAYBOOK)"));
        return None;
    }
    static CHECKED: OnceLock<String> = OnceLock::new();
    let version = CHECKED.get_or_init(|| {
        let out = std::process::Command::new(&path).arg("--version").output().unwrap();
        String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or_default().to_string()
    });
    let wanted = reference_version();
    assert!(
        version.contains(&format!("[core {wanted}]")),
        "{path} is `{version}`, not the reference ansible-core {wanted}"
    );
    Some(path)
}

/// The reference's version: `2.19.14` of `ansible-core==2.19.14`.
pub fn reference_version() -> &'static str {
    let pin =
        REFERENCE.lines().find(|l| l.starts_with("ansible-core==")).expect("a pinned ansible-core");
    pin.trim_start_matches("ansible-core==").trim()
}

/// The counts of ansible-playbook's recap line for a host: `ok=4 changed=3 … rescued=1`.
pub fn ansible_recap(output: &str, host: &str) -> Counts {
    let line = output
        .lines()
        .find(|l| l.starts_with(host) && l.contains("ok="))
        .unwrap_or_else(|| panic!("no recap for {host} in\n{output}"));
    line.split_whitespace()
        .filter_map(|word| word.split_once('='))
        .map(|(key, count)| (key.to_string(), count.parse().unwrap()))
        .collect()
}

pub type Counts = std::collections::BTreeMap<String, u64>;

/// Runs `play.yaml` through both (`both_counted`): the same exit code, the same recap counts, and
/// the same `files` files written.
pub fn same_outcome(t: &Test, ansible: &str, files: usize) {
    same_outcome_with(t, ansible, files, &[]);
}

/// `same_outcome`, both given these further arguments (`-t`, `--skip-tags` …).
pub fn same_outcome_with(t: &Test, ansible: &str, files: usize, args: &[&str]) {
    let (ansible_code, ansible_counts, numarun_code, numarun_counts) =
        both_counted_with(t, ansible, args);
    assert_eq!((numarun_code, numarun_counts), (ansible_code, ansible_counts));
    let written = t.tree("by-ansible");
    assert_eq!(written.len(), files, "{written:?}");
    assert_eq!(t.tree("by-numarun"), written);
}

/// Runs `play.yaml` on this machine through both, each writing into a folder of its own (`out`:
/// `by-ansible`, `by-numarun`); each one's exit code and recap counts (those both keep).
pub fn both_counted(t: &Test, ansible: &str) -> (i32, Counts, i32, Counts) {
    both_counted_with(t, ansible, &[])
}

/// `both_counted`, both given these further arguments.
pub fn both_counted_with(t: &Test, ansible: &str, args: &[&str]) -> (i32, Counts, i32, Counts) {
    let dir = fresh_outputs(t);
    let out = format!("out={dir}/by-ansible");
    let (ansible_code, text) =
        run_ansible(t, ansible, &[&["-e", out.as_str(), "play.yaml"], args].concat());
    let out = format!("out={dir}/by-numarun");
    let run = t.run(&[&["play", "play.yaml", "-e", out.as_str()], args].concat());
    let recap = run.recap("localhost");
    let counted_by_ansible = ansible_recap(&text, "localhost");
    let counted_by_numarun =
        counted_by_ansible.keys().map(|k| (k.clone(), recap[k].as_u64().unwrap())).collect();
    eprintln!("ansible-core:\n{text}\nnumarun:\n{}{}", run.stdout, run.stderr);
    (ansible_code, counted_by_ansible, run.code, counted_by_numarun)
}

/// Runs ansible-playbook in the test's folder on this machine (`localhost`, a local connection)
/// with these further arguments; its exit code and its output (stdout, then stderr).
pub fn run_ansible(t: &Test, ansible: &str, args: &[&str]) -> (i32, String) {
    let out = std::process::Command::new(ansible)
        .args(["-i", "localhost,", "-c", "local"])
        .args(["-e", "ansible_python_interpreter=/usr/bin/python3"])
        .args(args)
        .current_dir(t.path())
        .env("ANSIBLE_NOCOLOR", "1")
        .output()
        .unwrap();
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

/// Runs `play.yaml` through both with the inventory `inventory` (its hosts local), each writing
/// into a folder of its own (`out`); asserts the same exit code, the same recap counts for each
/// of `hosts` (a host ansible-core never reached counts nothing, as numarun shows it), and the
/// same `files` written.
pub fn same_outcome_on(t: &Test, ansible: &str, inventory: &str, hosts: &[&str], files: usize) {
    let dir = fresh_outputs(t);
    let out = format!("out={dir}/by-ansible");
    let (ansible_code, text) =
        run_ansible(t, ansible, &["-i", inventory, "-e", out.as_str(), "play.yaml"]);
    let out = format!("out={dir}/by-numarun");
    let run = t.run(&["play", "play.yaml", "-i", inventory, "-e", out.as_str()]);
    eprintln!("ansible-core:\n{text}\nnumarun:\n{}{}", run.stdout, run.stderr);
    for host in hosts {
        let recap = run.recap(host);
        let by_ansible = match text.lines().any(|l| l.starts_with(host) && l.contains("ok=")) {
            true => ansible_recap(&text, host),
            false => ["ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored"]
                .iter()
                .map(|k| (k.to_string(), 0))
                .collect(),
        };
        let by_numarun: Counts =
            by_ansible.keys().map(|k| (k.clone(), recap[k].as_u64().unwrap())).collect();
        assert_eq!(by_numarun, by_ansible, "recap of {host}");
    }
    assert_eq!(run.code, ansible_code, "exit codes");
    let written = t.tree("by-ansible");
    assert_eq!(written.len(), files, "{written:?}");
    assert_eq!(t.tree("by-numarun"), written);
}

/// Empty `by-ansible` and `by-numarun` folders in the test's folder, which it returns.
fn fresh_outputs(t: &Test) -> String {
    for out in ["by-ansible", "by-numarun"] {
        let _ = std::fs::remove_dir_all(t.path().join(out));
        std::fs::create_dir(t.path().join(out)).unwrap();
    }
    t.path().display().to_string()
}
