//! The SSH target against real OpenSSH daemons on loopback: host identity,
//! authentication, privilege, faults, and many hosts at once.

mod common;

use std::time::{Duration, Instant};

use common::{Sshd, Test, USER, client_key};

/// An inventory of daemons named h0, h1, … with one known_hosts file for all.
fn inventory(t: &Test, daemons: &[&Sshd], extra: &str) -> std::path::PathBuf {
    inventory_of(t, daemons, extra, Sshd::vars)
}

/// The same, with each host's variables from `host_vars` (given the known_hosts file).
fn inventory_of(
    t: &Test,
    daemons: &[&Sshd],
    extra: &str,
    host_vars: impl Fn(&Sshd, &std::path::Path) -> String,
) -> std::path::PathBuf {
    let known_hosts = t.path().join("known_hosts");
    std::fs::write(&known_hosts, daemons.iter().map(|d| d.known_hosts_line()).collect::<String>())
        .unwrap();
    let hosts: String = daemons
        .iter()
        .enumerate()
        .map(|(i, d)| format!("    h{i}: {}\n", host_vars(d, &known_hosts)))
        .collect();
    t.write("inventory.yaml", &format!("all:\n  vars: {{ {extra} }}\n  hosts:\n{hosts}"));
    known_hosts
}

fn message(run: &common::Run) -> String {
    format!("{}{}", run.stdout, run.stderr)
}

/// Starts `play.yaml` on `inventory.yaml` in the background.
fn spawn_play(t: &Test, stdout: std::process::Stdio) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_numarun"))
        .args(["play", "play.yaml", "-i", "inventory.yaml"])
        .current_dir(t.path())
        .stdout(stdout)
        .spawn()
        .unwrap()
}

/// Runs `play.yaml` in the background and, half a second in, does `meanwhile` to its host.
fn play_meanwhile(t: &Test, meanwhile: impl FnOnce()) -> std::process::Output {
    let child = spawn_play(t, std::process::Stdio::piped());
    std::thread::sleep(Duration::from_millis(500));
    meanwhile();
    child.wait_with_output().unwrap()
}

/// A run refused with `reason`, and without waiting: a refusal is an answer, not a failure to retry.
fn refused_at_once(t: &Test, args: &[&str], reason: &str, limit: Duration) {
    let started = Instant::now();
    let run = t.run(args);
    assert_eq!(run.code, 4, "{}", message(&run));
    assert!(message(&run).contains(reason), "{}", message(&run));
    assert!(started.elapsed() < limit, "refused after {:?}", started.elapsed());
}

/// `ControlPersist` as Ansible's ssh arguments give it; a run with `keeper_env` has a keeper of
/// its test's own.
const PERSIST: &str = "ansible_ssh_args: '-o ControlMaster=auto -o ControlPersist=2s'";

fn keeper_env(t: &Test) -> [(&'static str, &std::path::Path); 1] {
    [("XDG_RUNTIME_DIR", t.path())]
}

#[test]
fn a_changed_host_key_is_refused_naming_the_file_and_line() {
    // By this run's connection, and by the keeper's.
    for vars in ["", PERSIST] {
        let t = Test::new();
        let sshd = Sshd::start();
        let other = Sshd::start();
        let known_hosts = inventory(&t, &[&sshd], vars);
        // Line 2 claims the daemon's address with another daemon's key.
        let forged = other
            .known_hosts_line()
            .replace(&format!("]:{}", other.port), &format!("]:{}", sshd.port));
        std::fs::write(&known_hosts, format!("# comment\n{forged}")).unwrap();
        t.write("play.yaml", "- hosts: all\n  tasks:\n    - command: \"true\"\n");
        let run = t.run_with_env(&["play", "play.yaml"], &keeper_env(&t));
        assert_eq!(run.code, 4, "{}", message(&run));
        assert!(
            message(&run).contains(&format!("has CHANGED: {}:2", known_hosts.display())),
            "{vars}: {}",
            message(&run)
        );
    }
}

#[test]
fn unknown_hosts_are_refused_unless_accept_new_records_them() {
    let t = Test::new();
    let sshd = Sshd::start();
    let known_hosts = inventory(&t, &[&sshd], "");
    std::fs::write(&known_hosts, "").unwrap();
    t.write("play.yaml", "- hosts: all\n  tasks:\n    - command: \"true\"\n");
    let strict = t.run(&["play", "play.yaml"]);
    assert_eq!(strict.code, 4);
    assert!(message(&strict).contains("unknown host key"), "{}", message(&strict));

    let accept = t.run(&["play", "play.yaml", "-e", "numarun_host_key_policy=accept-new"]);
    accept.ok();
    assert!(std::fs::read_to_string(&known_hosts).unwrap().contains(&sshd.host_key));
    t.run(&["play", "play.yaml"]).ok();

    // accept-new records first sightings only: a changed key is still refused.
    let other = Sshd::start();
    let forged =
        other.known_hosts_line().replace(&format!("]:{}", other.port), &format!("]:{}", sshd.port));
    std::fs::write(&known_hosts, forged).unwrap();
    let changed = t.run(&["play", "play.yaml", "-e", "numarun_host_key_policy=accept-new"]);
    assert_eq!(changed.code, 4);
    assert!(message(&changed).contains("has CHANGED"));
}

#[test]
fn hashed_known_hosts_entries_are_matched() {
    let t = Test::new();
    let sshd = Sshd::start();
    let known_hosts = inventory(&t, &[&sshd], "");
    assert!(
        std::process::Command::new("ssh-keygen")
            .args(["-H", "-f"])
            .arg(&known_hosts)
            .output()
            .unwrap()
            .status
            .success()
    );
    assert!(std::fs::read_to_string(&known_hosts).unwrap().starts_with("|1|"));
    t.write("play.yaml", "- hosts: all\n  tasks:\n    - command: \"true\"\n");
    t.run(&["play", "play.yaml"]).ok();
}

#[test]
fn pinned_keys_replace_known_hosts() {
    let t = Test::new();
    let sshd = Sshd::start();
    let other = Sshd::start();
    let known_hosts = inventory(&t, &[&sshd], "");
    std::fs::write(&known_hosts, "").unwrap();
    t.write("play.yaml", "- hosts: all\n  tasks:\n    - command: \"true\"\n");
    t.run(&["play", "play.yaml", "-e", &format!("{{ansible_ssh_host_key: '{}'}}", sshd.host_key)])
        .ok();
    let wrong = t.run(&[
        "play",
        "play.yaml",
        "-e",
        &format!("{{ansible_ssh_host_key: '{}'}}", other.host_key),
    ]);
    assert_eq!(wrong.code, 4);
    assert!(message(&wrong).contains("not the key pinned"), "{}", message(&wrong));
}

#[test]
fn turning_host_key_checking_off_warns_on_every_run() {
    let t = Test::new();
    let sshd = Sshd::start();
    let known_hosts = inventory(&t, &[&sshd], "ansible_host_key_checking: false");
    std::fs::write(&known_hosts, "").unwrap();
    t.write("play.yaml", "- hosts: all\n  tasks:\n    - command: \"true\"\n");
    for _ in 0..2 {
        let run = t.run(&["play", "play.yaml"]);
        run.ok();
        assert!(run.stdout.contains("host key checking is OFF"), "{}", run.stdout);
    }
}

#[test]
fn a_wrong_client_key_fails_authentication_without_hanging() {
    let t = Test::new();
    let sshd = Sshd::start();
    inventory(&t, &[&sshd], "");
    let stranger = t.path().join("stranger");
    assert!(
        std::process::Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(&stranger)
            .status()
            .unwrap()
            .success()
    );
    t.write("play.yaml", "- hosts: all\n  tasks:\n    - command: \"true\"\n");
    let key = format!("ansible_ssh_private_key_file={}", stranger.display());
    refused_at_once(&t, &["play", "play.yaml", "-e", &key], "refused", Duration::from_secs(8));
}

/// An ssh-agent listening at `socket` and holding the test key, until dropped.
struct SshAgent(std::process::Child);

impl SshAgent {
    fn start(socket: &std::path::Path) -> SshAgent {
        let agent = std::process::Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(socket)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let agent = SshAgent(agent);
        let deadline = Instant::now() + Duration::from_secs(5);
        while !socket.exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let added = std::process::Command::new("ssh-add")
            .arg(client_key())
            .env("SSH_AUTH_SOCK", socket)
            .output()
            .unwrap();
        assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
        agent
    }
}

impl Drop for SshAgent {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An inventory of daemons without a key file, so that the ssh-agent must authenticate, and a
/// play of one command.
fn inventory_for_the_agent(t: &Test, daemons: &[&Sshd], extra: &str) {
    inventory_of(t, daemons, extra, |d, known_hosts| {
        format!(
            "{{ ansible_host: 127.0.0.1, ansible_port: {}, ansible_user: {USER}, ansible_ssh_known_hosts_file: {} }}",
            d.port,
            known_hosts.display()
        )
    });
    t.write("play.yaml", "- hosts: all\n  tasks:\n    - command: \"true\"\n");
}

fn run_with_agent(t: &Test, socket: &std::path::Path) -> common::Run {
    t.run_with_env(
        &["play", "play.yaml"],
        &[("SSH_AUTH_SOCK", socket), ("HOME", t.path()), ("XDG_RUNTIME_DIR", t.path())],
    )
}

#[test]
fn the_ssh_agent_authenticates_when_no_key_file_is_given() {
    let t = Test::new();
    let sshd = Sshd::start();
    inventory_for_the_agent(&t, &[&sshd], "");
    let socket = t.path().join("agent.sock");
    let _agent = SshAgent::start(&socket);
    run_with_agent(&t, &socket).ok();
}

#[test]
fn the_keeper_authenticates_with_the_agent_of_the_run_that_asks() {
    // The first run starts the keeper, with its agent; that agent is gone by the second run,
    // whose new host must be let in by the second run's agent.
    let t = Test::new();
    let (first_host, second_host) = (Sshd::start(), Sshd::start());
    inventory_for_the_agent(&t, &[&first_host], PERSIST);
    let first = t.path().join("first-agent.sock");
    let agent = SshAgent::start(&first);
    run_with_agent(&t, &first).ok();
    drop(agent);
    inventory_for_the_agent(&t, &[&first_host, &second_host], PERSIST);
    let second = t.path().join("second-agent.sock");
    let _agent = SshAgent::start(&second);
    let run = run_with_agent(&t, &second);
    run.ok();
    assert_eq!(run.changed("h1"), 1);
}

#[test]
fn become_runs_commands_and_file_operations_through_sudo() {
    common::sudo_user(USER, None);
    let t = Test::new();
    let sshd = Sshd::start();
    inventory(&t, &[&sshd], "");
    let scratch = sshd.scratch();
    t.write(
        "play.yaml",
        &format!(
            "- hosts: all\n  tasks:\n    - command: id -u\n      register: plain\n      changed_when: false\n    - command: id -u\n      become: true\n      register: root\n      changed_when: false\n    - assert: {{ that: [\"plain.stdout != '0'\", \"root.stdout == '0'\"] }}\n    - name: root-owned file\n      copy: {{ dest: {s}/owned, content: x, mode: '0600' }}\n      become: true\n    - file: {{ path: {s}/shared, state: directory, mode: '1777' }}\n      become: true\n    - name: as another user\n      file: {{ path: {s}/shared/nobody, state: directory }}\n      become: true\n      become_user: nobody\n",
            s = scratch.display()
        ),
    );
    let first = t.run(&["play", "play.yaml"]);
    first.ok();
    let meta =
        |p: &str| std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(scratch.join(p)).unwrap());
    assert_eq!(meta("owned"), 0);
    assert_eq!(meta("shared/nobody"), 65534);
    let second = t.run(&["play", "play.yaml"]);
    second.ok();
    assert_eq!(second.changed("h0"), 0);
}

/// A `perl` for the host agent that logs the user it starts as, then runs Perl: the inventory
/// variable that uses it, and the log.
struct LoggingPerl {
    _dir: tempfile::TempDir,
    var: String,
    log: std::path::PathBuf,
}

impl LoggingPerl {
    fn new() -> LoggingPerl {
        let dir = tempfile::tempdir().unwrap();
        // The hosts' users start the wrapper and write its log.
        std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o1777))
            .unwrap();
        let log = dir.path().join("agent-started");
        let perl = dir.path().join("perl");
        std::fs::write(&perl, format!("#!/bin/sh\nid -u >> {}\nexec perl \"$@\"\n", log.display()))
            .unwrap();
        std::fs::set_permissions(&perl, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        LoggingPerl { var: format!("numarun_perl_interpreter: {}", perl.display()), log, _dir: dir }
    }

    /// The users the agent started as, one line each.
    fn starts(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// A host whose login user `user`'s sudo asks for `password`, and a play that must become root
/// there, for a command and for a file (which the agent writes, started through the same sudo).
/// Each test names its own user: tests run in parallel, and two that set one user's password
/// apart would each find the other's (sudo's "Sorry, try again").
fn sudo_with_password(user: &str, password: &str, vars: &str) -> (Test, Sshd, LoggingPerl) {
    common::sudo_user(user, Some(password));
    let t = Test::new();
    let sshd = Sshd::start();
    let perl = LoggingPerl::new();
    let login = format!("ansible_user: {user}");
    let vars = [login.as_str(), &perl.var, vars]
        .iter()
        .filter(|v| !v.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    inventory(&t, &[&sshd], &vars);
    t.write(
        "play.yaml",
        &format!(
            "- hosts: all\n  tasks:\n    - command: id -u\n      become: true\n      register: root\n      changed_when: false\n    - assert: {{ that: \"root.stdout == '0'\" }}\n    - copy: {{ dest: {}/as-root, content: x, mode: '0600' }}\n      become: true\n",
            sshd.scratch().display()
        ),
    );
    (t, sshd, perl)
}

/// Runs `play.yaml` at `-vvv` with this become password (and these further arguments and
/// environment); its exit code and output, which must not hold the password.
fn play_with_become_password(
    t: &Test,
    password: &str,
    args: &[&str],
    env: Vec<(String, String)>,
) -> (Option<i32>, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_numarun"))
        .args([&["play", "play.yaml", "-i", "inventory.yaml", "-vvv"], args].concat())
        .current_dir(t.path())
        .env("NUMARUN_BECOME_PASSWORD", password)
        .envs(env)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!text.contains(password), "the password is in the output:\n{text}");
    (output.status.code(), text)
}

#[test]
fn become_with_a_password_sends_it_on_stdin_and_never_prints_it() {
    // Through the keeper, the password is one more byte of stdin it relays.
    for vars in ["", PERSIST] {
        let password = "Pw-5ecret-for-sudo";
        let (t, sshd, perl) = sudo_with_password("nrpass", password, vars);
        let mut env: Vec<(String, String)> =
            keeper_env(&t).iter().map(|(k, v)| (k.to_string(), v.display().to_string())).collect();
        env.push(("NUMARUN_LOG".into(), "numarun=trace".into()));
        let (code, text) =
            play_with_become_password(&t, password, &["--log-file", "trace.log"], env);
        assert_eq!(code, Some(0), "{vars}: {text}");
        // The run's diagnostics follow it down to the host, and never hold the password.
        let log = std::fs::read_to_string(t.path().join("trace.log")).unwrap();
        assert!(!log.contains(password), "{vars}: the password is in the log");
        let mut wanted = vec![
            "run{playbook=",
            "host{host=h0}",
            "starting the remote shell",
            "shell request",
            "step done",
        ];
        if vars.is_empty() {
            wanted.extend(["connecting", "connected and authenticated"]);
        } else {
            // Through the keeper, the connection is the keeper's, and so is its log.
            let keeper_log = std::fs::read_to_string(t.path().join("numarun/keeper.log")).unwrap();
            assert!(
                keeper_log.contains("keeper listening")
                    && keeper_log.contains("connected and authenticated"),
                "{keeper_log}"
            );
            assert!(!keeper_log.contains(password));
        }
        for marker in wanted {
            assert!(log.contains(marker), "{vars}: `{marker}` is not in the log:\n{log}");
        }
        assert_eq!(perl.starts(), "0\n", "the agent started through sudo, as root");
        assert_eq!(
            std::os::unix::fs::MetadataExt::uid(
                &std::fs::metadata(sshd.scratch().join("as-root")).unwrap()
            ),
            0
        );
    }
}

/// `become_method: su` asks for the target user's password, not the login user's: the login
/// user here may sudo without one, so only su can fail on a wrong password. A right one runs
/// commands and writes files as the target; a wrong one stops the host, saying su refused, and
/// never prints it.
#[test]
fn become_method_su_hands_the_target_users_password_to_su() {
    let password = "Pw-5ecret-for-su";
    common::sudo_user("nrsutarget", Some(password));
    let t = Test::new();
    let sshd = Sshd::start();
    inventory(&t, &[&sshd], "");
    let shared = sshd.scratch().join("shared");
    std::fs::create_dir_all(&shared).unwrap();
    std::fs::set_permissions(&shared, std::os::unix::fs::PermissionsExt::from_mode(0o1777))
        .unwrap();
    t.write(
        "play.yaml",
        &format!(
            "- hosts: all\n  become: true\n  become_method: su\n  become_user: nrsutarget\n  tasks:\n    - command: id -un\n      register: who\n      changed_when: false\n    - assert: {{ that: \"who.stdout == 'nrsutarget'\" }}\n    - copy: {{ dest: {}/by-su, content: x, mode: '0600' }}\n",
            shared.display()
        ),
    );
    let with = |password: &str| play_with_become_password(&t, password, &[], Vec::new());
    let (code, text) = with(password);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("changed=1"), "{text}");
    let owner =
        std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(shared.join("by-su")).unwrap());
    let target = std::process::Command::new("id").args(["-u", "nrsutarget"]).output().unwrap();
    assert_eq!(owner.to_string(), String::from_utf8_lossy(&target.stdout).trim());
    let (code, text) = with(password);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("changed=0"), "{text}");
    let (code, text) = with("Not-the-password");
    assert_ne!(code, Some(0), "{text}");
    assert!(
        text.contains("cannot become nrsutarget") && text.contains("Authentication failure"),
        "{text}"
    );
}

/// `wait_for_connection` first in a play: a host whose sshd is not up yet is waited for and the
/// play goes on; one that never comes up is unreachable once the step's timeout has passed.
#[test]
fn wait_for_connection_waits_for_a_host_that_comes_up() {
    let t = Test::new();
    let mut sshd = Sshd::start();
    inventory(&t, &[&sshd], "");
    sshd.stop_listening();
    let play = |timeout: u32| {
        format!(
            "- hosts: all\n  gather_facts: false\n  tasks:\n\
             \x20   - wait_for_connection: {{ timeout: {timeout}, sleep: 1 }}\n\
             \x20   - command: id -un\n      register: who\n      changed_when: false\n\
             \x20   - assert: {{ that: \"who.stdout == '{USER}'\" }}\n"
        )
    };
    t.write("play.yaml", &play(2));
    let began = Instant::now();
    let never = t.run(&["play", "play.yaml"]);
    assert_eq!(never.recap("h0")["unreachable"], 1, "{}", never.stdout);
    assert!(began.elapsed() >= Duration::from_secs(2), "gave up at once: {}", never.stdout);
    t.write("play.yaml", &play(60));
    let restarter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(3));
        sshd.restart();
        sshd
    });
    let run = t.run(&["play", "play.yaml"]);
    let mut sshd = restarter.join().unwrap();
    run.ok();
    assert_eq!(run.recap("h0")["ok"], 3, "{}", run.stdout);
    // Mid-play, as after a reboot: the connection drops, and the step waits for a new one.
    let marker = sshd.scratch().join("first-step-done");
    t.write(
        "play.yaml",
        &format!(
            "- hosts: all\n  gather_facts: false\n  tasks:\n\
             \x20   - command: touch {}\n\
             \x20   - wait_for_connection: {{ delay: 2, timeout: 60 }}\n\
             \x20   - command: id -un\n",
            marker.display()
        ),
    );
    let bouncer = std::thread::spawn(move || {
        // Killed once the first step has run: the wait then finds no connection.
        let deadline = Instant::now() + Duration::from_secs(60);
        while !marker.exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        sshd.kill();
        std::thread::sleep(Duration::from_secs(5));
        sshd.restart();
        sshd
    });
    let rebooted = t.run(&["play", "play.yaml"]);
    let _sshd = bouncer.join().unwrap();
    rebooted.ok();
    assert_eq!(rebooted.changed("h0"), 2, "{}", rebooted.stdout);
}

#[test]
fn a_command_timeout_closes_its_channel_and_the_host_goes_on() {
    let t = Test::new();
    let sshd = Sshd::start_with("MaxSessions 2");
    inventory(&t, &[&sshd], "ansible_command_timeout: 0.5");
    let steps = "    - { command: sleep 30, ignore_errors: true }\n".repeat(3);
    t.write("play.yaml", &format!("- hosts: all\n  tasks:\n{steps}    - command: echo after\n      register: after\n      changed_when: false\n    - assert: {{ that: \"after.stdout == 'after'\" }}\n"));
    let started = Instant::now();
    let run = t.run(&["play", "play.yaml"]);
    run.ok();
    assert_eq!(run.recap("h0")["ignored"], 3);
    assert!(message(&run).contains("timed out"), "{}", message(&run));
    // With MaxSessions 2, three leaked channels would have blocked the last steps.
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_host_killed_mid_run_is_unreachable_and_the_others_finish() {
    let t = Test::new();
    let mut daemons = [Sshd::start(), Sshd::start(), Sshd::start()];
    inventory(&t, &daemons.iter().collect::<Vec<_>>(), "");
    t.write(
        "play.yaml",
        "- hosts: all\n  tasks:\n    - command: sleep 1.5\n    - copy: { dest: \"/tmp/{{ inventory_hostname }}-{{ lookup('env', 'RUN_ID') }}\", content: \"{{ 'x' * 100000 }}\" }\n",
    );
    let run_id = format!("numarun-kill-{}", std::process::id());
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_numarun"))
        .args(["play", "play.yaml", "-i", "inventory.yaml", "-f", "3"])
        .current_dir(t.path())
        .env("RUN_ID", &run_id)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    daemons[1].kill();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(4), "{stdout}");
    assert!(stdout.contains("unreachable: [h1]"), "{stdout}");
    for host in ["h0", "h2"] {
        let file = format!("/tmp/{host}-{run_id}");
        assert_eq!(std::fs::read(&file).unwrap().len(), 100000);
        std::fs::remove_file(file).unwrap();
    }
    assert!(!std::path::Path::new(&format!("/tmp/h1-{run_id}")).exists());
    let leftovers: Vec<_> = std::fs::read_dir("/tmp")
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name().to_string_lossy().contains(&run_id)
                && e.file_name().to_string_lossy().contains("numarun.")
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Starts a play that sends one daemon many window-fulls of bytes and, half a second in, stops
/// the daemon as a host that hangs would; then does `after` to it. The run must end within
/// `limit`: its exit status.
fn hang_mid_transfer(
    extra: &str,
    after: impl FnOnce(&mut Sshd),
    limit: Duration,
    context: &str,
) -> std::process::ExitStatus {
    let t = Test::new();
    let mut sshd = Sshd::start();
    inventory(&t, &[&sshd], extra);
    // Bytes that are not text travel encoded, several window-fulls per file.
    let noise: Vec<u8> =
        (0..8u32 << 20).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    std::fs::write(t.path().join("noise"), noise).unwrap();
    let dest = sshd.scratch().join("copy");
    t.write(
        "play.yaml",
        &format!(
            "- hosts: all\n  tasks:\n    - copy: {{ src: noise, dest: '{}-{{{{ item }}}}' }}\n      loop: [1, 2, 3, 4, 5, 6, 7, 8]\n",
            dest.display()
        ),
    );
    let mut run = spawn_play(&t, std::process::Stdio::null());
    std::thread::sleep(Duration::from_millis(500));
    sshd.freeze();
    after(&mut sshd);
    common::finish(&mut run, limit, context)
}

/// The sender is left waiting for window space the host will never grant, and must still learn
/// that the connection is gone when the host dies.
#[test]
fn a_host_that_hangs_mid_transfer_then_dies_is_unreachable_not_waited_on_forever() {
    let died = |sshd: &mut Sshd| {
        std::thread::sleep(Duration::from_millis(500));
        sshd.kill();
    };
    let status = hang_mid_transfer("", died, Duration::from_secs(30), "the host hung, then died");
    assert_eq!(status.code(), Some(4), "unreachable");
}

/// A host that hangs and stays hung is given up after the keepalives the user asked for
/// (OpenSSH's options, in `ansible_ssh_common_args`), not waited on forever; the loop's other
/// items are not tried, each of which would wait for its connect timeout on the hung daemon.
#[test]
fn a_hung_host_is_given_up_after_server_alive_count_max_unanswered_keepalives() {
    let args = "ansible_ssh_common_args: '-o ServerAliveInterval=1 -o ServerAliveCountMax=2'";
    let status = hang_mid_transfer(args, |_| {}, Duration::from_secs(20), "the host hung");
    assert_eq!(status.code(), Some(4), "unreachable");
}

#[test]
fn retries_reopen_a_dropped_connection() {
    let t = Test::new();
    let mut sshd = Sshd::start();
    inventory(&t, &[&sshd], "");
    t.write("play.yaml", "- hosts: all\n  tasks:\n    - command: \"true\"\n    - command: sleep 1\n      retries: 5\n      delay: 0.5\n      changed_when: false\n");
    let output = play_meanwhile(&t, || {
        sshd.kill();
        sshd.restart();
    });
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
}

#[test]
fn ssh_retries_wait_for_a_daemon_that_is_not_up_yet_and_refusals_are_not_retried() {
    let t = Test::new();
    let mut sshd = Sshd::start();
    let known_hosts = inventory(&t, &[&sshd], "ansible_ssh_retries: 4");
    t.write(
        "play.yaml",
        "- hosts: all\n  tasks:\n    - command: \"true\"\n      changed_when: false\n",
    );
    sshd.kill();
    assert_eq!(
        t.run(&["play", "play.yaml", "-e", "ansible_ssh_retries=0"]).code,
        4,
        "nothing listens and no retries"
    );

    // Attempts at 0, 0, 1 and 3 s: the daemon is back before the third.
    let output = play_meanwhile(&t, || sshd.restart());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));

    // A refused host key is an answer, not a network failure: retrying it would take 0 + 1 + 3 + 7 s.
    std::fs::write(&known_hosts, "").unwrap();
    refused_at_once(&t, &["play", "play.yaml"], "unknown host key", Duration::from_secs(10));
}

/// Both ways numarun works on a host's files: by its Perl agent, and by shell snippets where
/// Perl cannot run.
const FILE_WORKERS: [&str; 2] = ["", "numarun_perl_interpreter: /nonexistent/perl"];

/// Runs `tasks` (one per line; `{dir}` stands for the host's scratch folder) on one daemon with
/// the inventory variables `vars`; the steps' statuses in order, and the daemon.
fn statuses(vars: &str, tasks: &[&str]) -> (Vec<String>, Sshd) {
    let t = Test::new();
    let sshd = Sshd::start();
    inventory(&t, &[&sshd], vars);
    let dir = sshd.scratch().display().to_string();
    let tasks: String =
        tasks.iter().map(|task| format!("    - {}\n", task.replace("{dir}", &dir))).collect();
    t.write("play.yaml", &format!("- hosts: all\n  tasks:\n{tasks}"));
    let run = t.run(&["play", "play.yaml"]);
    run.ok();
    (run.steps().iter().map(|s| s["status"].as_str().unwrap().to_string()).collect(), sshd)
}

#[test]
fn looks_fetched_ahead_are_forgotten_when_anything_changes_the_host() {
    // Step 1's look fetches every later step's path (all missing); steps 2 and 4 make them behind
    // numarun's back, as a command would. Steps 3 and 5 must see what is there now: nothing to do.
    for workers in FILE_WORKERS {
        let (statuses, _) = statuses(
            workers,
            &[
                "file: { path: {dir}/d, state: directory }",
                "command: { argv: [sh, -c, 'echo same > {dir}/d/f'] }",
                r#"copy: { dest: {dir}/d/f, content: "same\n" }"#,
                r#"shell: 'printf "a = 1\n" > {dir}/d/conf'"#,
                "lineinfile: { path: {dir}/d/conf, line: a = 1 }",
            ],
        );
        assert_eq!(statuses, ["changed", "changed", "ok", "changed", "ok"], "{workers}");
    }
}

#[test]
fn a_change_numarun_makes_is_looked_at_again_with_everything_it_may_have_touched() {
    // Step 2's look fetches the bytes of alias/f and real/f, which are one file. Step 3 replaces
    // it through one name; step 4 must see the new bytes through the other, not the ones
    // fetched before. Steps 5 to 7: a mode and a link numarun set are seen as set.
    for workers in FILE_WORKERS {
        let (statuses, sshd) = statuses(
            workers,
            &[
                "command: { argv: [sh, -c, 'mkdir {dir}/real && echo old > {dir}/real/f && ln -s real {dir}/alias'] }",
                r#"copy: { dest: {dir}/alias/f, content: "old\n" }"#,
                r#"copy: { dest: {dir}/real/f, content: "new\n" }"#,
                r#"copy: { dest: {dir}/alias/f, content: "new\n" }"#,
                "file: { path: {dir}/real/f, mode: '0600' }",
                "file: { path: {dir}/link, src: real/f, state: link }",
                "file: { path: {dir}/link, src: real/f, state: link }",
            ],
        );
        assert_eq!(
            statuses,
            ["changed", "ok", "changed", "ok", "changed", "changed", "ok"],
            "{workers}"
        );
        assert_eq!(std::fs::read_to_string(sshd.scratch().join("alias/f")).unwrap(), "new\n");
    }
}

#[test]
fn a_host_agent_killed_between_steps_fails_the_next_file_step_and_says_how_it_ended() {
    // The shell step's $PPID is this connection's sshd, the agent's parent too: other tests'
    // agents are left alone. How it ended comes through the keeper too.
    for vars in ["", PERSIST] {
        let t = Test::new();
        let sshd = Sshd::start();
        inventory(&t, &[&sshd], vars);
        let dir = sshd.scratch().display().to_string();
        t.write(
            "play.yaml",
            &format!(
                "- hosts: all\n  tasks:\n    - copy: {{ dest: {dir}/a, content: a }}\n    - shell: pkill -KILL -P $PPID -f 'read.STDIN, my .p'; true\n    - copy: {{ dest: {dir}/b, content: b }}\n"
            ),
        );
        let run = t.run_with_env(&["play", "play.yaml"], &keeper_env(&t));
        assert_eq!(run.code, 2, "{vars}: {}", message(&run));
        assert!(
            message(&run).contains("the remote agent ended (killed by SIGKILL)"),
            "{vars}: {}",
            message(&run)
        );
    }
}

#[test]
fn control_persist_keeps_the_connection_for_the_next_run_and_the_keeper_leaves_when_idle() {
    let t = Test::new();
    let mut sshd = Sshd::start();
    inventory(&t, &[&sshd], PERSIST);
    let dir = sshd.scratch().display().to_string();
    t.write(
        "play.yaml",
        &format!("- hosts: all\n  tasks:\n    - file: {{ path: {dir}/d, state: directory }}\n    - copy: {{ dest: {dir}/d/f, content: kept }}\n    - command: cat {dir}/d/f\n"),
    );
    let first = t.run_with_env(&["play", "play.yaml"], &keeper_env(&t));
    first.ok();
    assert_eq!(first.changed("h0"), 3);
    let socket = t.path().join("numarun/keeper-2.sock");
    assert!(socket.exists(), "the keeper listens at {}", socket.display());
    let bytes = common::tree(&sshd.scratch());
    // No new connection gets in now: only the kept one can serve the second run.
    sshd.stop_listening();
    assert!(std::net::TcpStream::connect(("127.0.0.1", sshd.port)).is_err());
    let second = t.run_with_env(&["play", "play.yaml"], &keeper_env(&t));
    second.ok();
    assert_eq!(second.changed("h0"), 1, "only the command: {}", message(&second));
    assert_eq!(common::tree(&sshd.scratch()), bytes);
    // Idle for its ControlPersist, the keeper leaves, and the connection with it.
    let deadline = Instant::now() + Duration::from_secs(10);
    while socket.exists() {
        assert!(Instant::now() < deadline, "the keeper is still there");
        std::thread::sleep(Duration::from_millis(100));
    }
    let third = t.run_with_env(&["play", "play.yaml"], &keeper_env(&t));
    assert_eq!(third.code, 4, "{}", message(&third));
    assert!(message(&third).contains("unreachable"), "{}", message(&third));
}

#[test]
fn a_keeper_directory_others_can_enter_is_refused() {
    let t = Test::new();
    let sshd = Sshd::start();
    inventory(&t, &[&sshd], PERSIST);
    let dir = t.path().join("numarun");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    t.write("play.yaml", "- hosts: all\n  tasks:\n    - command: \"true\"\n");
    let run = t.run_with_env(&["play", "play.yaml"], &keeper_env(&t));
    assert_eq!(run.code, 4, "{}", message(&run));
    assert!(
        message(&run).contains("only it can enter (mode 0700): refusing to use it"),
        "{}",
        message(&run)
    );
    assert!(!dir.join("keeper-2.sock").exists());
}

#[test]
fn file_work_is_done_by_the_perl_agent_where_perl_runs_and_by_the_shell_where_it_does_not() {
    let perl = LoggingPerl::new();
    let steps = [
        "file: { path: {dir}/d/e, state: directory, mode: '0750' }",
        r#"copy: { dest: {dir}/d/e/f, content: "bytes\n", mode: '0600' }"#,
        "file: { path: {dir}/d/link, src: e/f, state: link }",
        "file: { path: {dir}/gone, state: absent }",
    ];
    let twice: Vec<&str> = steps.iter().chain(&steps).copied().collect();
    for workers in [perl.var.clone(), FILE_WORKERS[1].to_string()] {
        let (statuses, sshd) = statuses(&workers, &twice);
        assert_eq!(
            statuses,
            ["changed", "changed", "changed", "ok", "ok", "ok", "ok", "ok"],
            "{workers}"
        );
        let meta = std::fs::metadata(sshd.scratch().join("d/e/f")).unwrap();
        assert_eq!(std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o7777, 0o600);
        assert_eq!(
            std::fs::read_link(sshd.scratch().join("d/link")).unwrap().display().to_string(),
            "e/f"
        );
    }
    assert_eq!(perl.starts().lines().count(), 1, "one agent served the whole run");
}

#[test]
fn proxy_jump_reaches_a_host_through_another() {
    let t = Test::new();
    let jump = Sshd::start();
    let target = Sshd::start();
    let known_hosts = inventory(
        &t,
        &[&target],
        &format!("ansible_ssh_common_args: '-o ProxyJump={USER}@127.0.0.1:{}'", jump.port),
    );
    std::fs::write(
        &known_hosts,
        format!("{}{}", jump.known_hosts_line(), target.known_hosts_line()),
    )
    .unwrap();
    t.write(
        "play.yaml",
        "- hosts: all\n  tasks:\n    - command: \"true\"\n      changed_when: false\n",
    );
    t.run(&["play", "play.yaml"]).ok();
    // Without the jump host's key the tunnel is refused too.
    std::fs::write(&known_hosts, target.known_hosts_line()).unwrap();
    assert_eq!(t.run(&["play", "play.yaml"]).code, 4);
}

#[test]
fn thirty_hosts_at_once_converge() {
    let t = Test::new();
    let daemons: Vec<Sshd> = (0..30).map(|_| Sshd::start()).collect();
    inventory(&t, &daemons.iter().collect::<Vec<_>>(), "");
    t.write(
        "play.yaml",
        "- hosts: all\n  tasks:\n    - file: { path: \"/tmp/numarun-30-{{ inventory_hostname }}-{{ lookup('env', 'RUN_ID') }}\", state: directory }\n    - copy: { dest: \"/tmp/numarun-30-{{ inventory_hostname }}-{{ lookup('env', 'RUN_ID') }}/f\", content: \"{{ inventory_hostname }}\" }\n    - lineinfile: { path: \"/tmp/numarun-30-{{ inventory_hostname }}-{{ lookup('env', 'RUN_ID') }}/g\", line: second, create: true }\n",
    );
    let run_id = std::process::id().to_string();
    let play = |t: &Test| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_numarun"))
            .args([
                "play",
                "play.yaml",
                "-i",
                "inventory.yaml",
                "-f",
                "30",
                "--json-log",
                "log.jsonl",
            ])
            .current_dir(t.path())
            .env("RUN_ID", &run_id)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
        std::fs::read_to_string(t.path().join("log.jsonl"))
            .unwrap()
            .lines()
            .filter(|l| l.contains("\"step_result\"") && l.contains("\"changed\""))
            .count()
    };
    assert_eq!(play(&t), 90);
    assert_eq!(play(&t), 0);
    for i in 0..30 {
        let dir = format!("/tmp/numarun-30-h{i}-{run_id}");
        assert_eq!(std::fs::read_to_string(format!("{dir}/f")).unwrap(), format!("h{i}"));
        assert_eq!(std::fs::read_to_string(format!("{dir}/g")).unwrap(), "second\n");
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn ask_become_pass_reads_the_password_from_the_terminal() {
    let password = "Pw-typed-at-the-prompt";
    let (t, _sshd, _perl) = sudo_with_password("nrtyped", password, "");
    let (status, screen) = common::terminal::type_at_hidden_prompt(
        t.path(),
        &["play", "play.yaml", "-i", "inventory.yaml", "-K"],
        password,
    );
    assert!(status.success(), "{screen}");
    assert!(screen.contains("BECOME password:"), "{screen}");
    assert!(!screen.contains(password), "the password was echoed:\n{screen}");
}

/// The play keywords `remote_user` and `port` reach a host whose inventory names neither; an
/// inventory that names them wins over the keywords, as in Ansible.
#[test]
fn remote_user_and_port_keywords_reach_a_host_and_the_inventory_wins() {
    let t = Test::new();
    let sshd = Sshd::start();
    inventory_of(&t, &[&sshd], "", |d, known_hosts| {
        d.vars(known_hosts)
            .replace(&format!("ansible_port: {}, ", d.port), "")
            .replace(&format!("ansible_user: {}, ", common::USER), "")
    });
    let play = |user: &str, port: u16| {
        format!(
            "- hosts: all\n  remote_user: {user}\n  port: {port}\n  tasks:\n    - command: id -un\n      register: who\n      changed_when: false\n    - assert: {{ that: \"who.stdout == '{}'\" }}\n",
            common::USER
        )
    };
    t.write("play.yaml", &play(common::USER, sshd.port));
    t.run(&["play", "play.yaml"]).ok();
    // A wrong user and port in the keywords lose to the inventory's.
    inventory(&t, &[&sshd], "");
    t.write("play.yaml", &play("nobody", 1));
    t.run(&["play", "play.yaml"]).ok();
}

/// Facts over SSH: the play gathers first (the login user's own facts), once per host per run
/// however many plays follow (Ansible's smart gathering); `gather_facts: false` costs nothing;
/// `setup` as a step with `filter` and `gather_subset` sets only what was asked for.
#[test]
fn facts_are_gathered_once_per_host_and_setup_takes_a_filter() {
    let t = Test::new();
    let sshd = Sshd::start();
    inventory(&t, &[&sshd], "");
    t.write(
        "play.yaml",
        &format!(
            "- hosts: all\n  tasks:\n    - assert: {{ that: [\"ansible_user_id == '{user}'\", \"ansible_facts.user_id == '{user}'\", \"ansible_distribution | length > 0\", \"ansible_memtotal_mb > 0\"] }}\n\
             - hosts: all\n  tasks:\n    - assert: {{ that: \"ansible_hostname | length > 0\" }}\n\
             - hosts: all\n  gather_facts: false\n  tasks:\n    - setup: {{ filter: 'ansible_distribution*', gather_subset: ['!all'] }}\n      register: only\n\
             \x20   - assert: {{ that: [\"only.ansible_facts.distribution is defined\", \"only.ansible_facts.user_id is not defined\", \"only.ansible_facts.mounts is not defined\"] }}\n",
            user = common::USER
        ),
    );
    let run = t.run_with_env(
        &["play", "play.yaml"],
        &[("ANSIBLE_GATHERING", std::path::Path::new("implicit"))],
    );
    run.ok();
    let gathered = run.steps().iter().filter(|s| s["step"] == "Gathering Facts").count();
    assert_eq!(gathered, 1, "{}", run.stdout);
    assert_eq!(run.recap("h0")["ok"], 5, "{}", run.stdout);
    // Without gathering, the play asks the host nothing it did not ask for.
    t.write(
        "play.yaml",
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: { msg: hi }\n",
    );
    let quiet = t.run_with_env(
        &["play", "play.yaml"],
        &[("ANSIBLE_GATHERING", std::path::Path::new("implicit"))],
    );
    assert_eq!(quiet.recap("h0")["ok"], 1, "{}", quiet.stdout);
}
