//! Hosts that misbehave: each is bounded by the timeouts the user set, reported as unreachable or
//! failed with its reason, and never stalls the healthy host beside it.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use common::faulty_link::{Cut, Fault, FaultyLink, Way};
use common::{Sshd, Test};

/// A server on loopback that accepts and then does what `behave` says with each connection, for
/// as long as the test lives.
fn fake_server(behave: fn(std::net::TcpStream)) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || behave(stream));
        }
    });
    port
}

/// Holds the connection open, reading and discarding, and never writes.
fn silent(mut stream: std::net::TcpStream) {
    let mut buffer = [0u8; 4096];
    while stream.read(&mut buffer).is_ok_and(|n| n > 0) {}
}

/// Sends an SSH banner, then reads the client's key exchange and never answers it.
fn banner_then_silence(mut stream: std::net::TcpStream) {
    let _ = stream.write_all(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
    silent(stream);
}

/// A play over a bad SSH host and a healthy local one, with a 2 s connect timeout and no retries.
fn run_beside_a_healthy_host(port: u16) -> (common::Run, Duration) {
    let t = Test::new();
    t.write(
        "inventory.yaml",
        &format!(
            "all:\n  hosts:\n    bad: {{ ansible_host: 127.0.0.1, ansible_port: {port}, ansible_user: nobody, \
             ansible_ssh_timeout: 2, ansible_ssh_retries: 0 }}\n    good: {{ ansible_connection: local }}\n"
        ),
    );
    t.write(
        "play.yaml",
        "- hosts: all\n  tasks:\n    - command: echo one\n      changed_when: false\n    - command: echo two\n      changed_when: false\n",
    );
    let started = Instant::now();
    let run = t.run(&["play", "play.yaml"]);
    (run, started.elapsed())
}

fn assert_bounded_and_reported(run: &common::Run, took: Duration, reason: &str) {
    // A bound on a hang, not a speed goal: 2 s of timeout, with room for a loaded machine.
    assert!(took < Duration::from_secs(30), "took {took:?}:\n{}", run.stdout);
    assert_eq!(run.code, 4, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.recap("bad")["unreachable"], 1, "{}", run.stdout);
    assert_eq!(run.recap("good")["ok"], 2, "{}", run.stdout);
    assert!(run.stdout.contains(reason), "no `{reason}` in\n{}", run.stdout);
}

#[test]
fn a_host_that_accepts_and_never_sends_a_banner_is_unreachable_within_its_timeout() {
    let (run, took) = run_beside_a_healthy_host(fake_server(silent));
    assert_bounded_and_reported(&run, took, "no answer within 2s");
}

#[test]
fn a_host_that_stalls_in_the_key_exchange_is_unreachable_within_its_timeout() {
    let (run, took) = run_beside_a_healthy_host(fake_server(banner_then_silence));
    assert_bounded_and_reported(&run, took, "no answer within 2s");
}

/// sudo that wants a password nobody gave: a failure that says so, at once, not a prompt that
/// waits for ever.
#[test]
fn sudo_asking_for_a_password_that_was_not_given_fails_saying_so() {
    if !common::runs_as_root("a test sudo user") {
        return;
    }
    common::sudo_user("nrprompt", Some("Pw-never-given"));
    let t = Test::new();
    let sshd = Sshd::start();
    let known_hosts = knowing(&t, &sshd);
    let vars = sshd.vars(&known_hosts).replace("ansible_user: nrtest", "ansible_user: nrprompt");
    t.write("inventory.yaml", &format!("all:\n  hosts:\n    h0: {vars}\n"));
    t.write("play.yaml", "- hosts: all\n  tasks:\n    - command: id -u\n      become: true\n");
    let started = Instant::now();
    let run = t.run(&["play", "play.yaml"]);
    assert!(started.elapsed() < Duration::from_secs(30), "{}", run.stdout);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("password"), "{}", run.stdout);
}

/// A known_hosts file beside the test that knows this daemon, and its path.
fn knowing(t: &Test, sshd: &Sshd) -> std::path::PathBuf {
    let known_hosts = t.path().join("known_hosts");
    std::fs::write(&known_hosts, sshd.known_hosts_line()).unwrap();
    known_hosts
}

/// A write onto a full filesystem: the old file is left whole and the error says why.
fn full_filesystem(over_ssh: bool) {
    if !common::runs_as_root("a small tmpfs") {
        return;
    }
    let t = if over_ssh { Test::over_ssh() } else { Test::local() };
    // Over SSH the login user writes: inside its own scratch folder.
    let base = t.sshd.as_ref().map_or_else(|| t.path().to_path_buf(), |sshd| sshd.scratch());
    let disk = base.join("small");
    std::fs::create_dir(&disk).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=256k,mode=0777", "tmpfs"])
        .arg(&disk)
        .status()
        .unwrap();
    assert!(mounted.success());
    let unmount = Unmount(disk.clone());
    let target = disk.join("app.conf");
    std::fs::write(&target, "the old contents\n").unwrap();
    std::fs::set_permissions(&target, std::os::unix::fs::PermissionsExt::from_mode(0o666)).unwrap();
    // 400 KB onto 256 KB.
    t.write(
        "play.yaml",
        &format!(
            "- hosts: all\n  tasks:\n    - copy: {{ dest: {}, content: \"{{{{ 'x' * 400000 }}}}\" }}\n",
            target.display()
        ),
    );
    let run = t.run(&["play", "play.yaml"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.to_lowercase().contains("no space"), "{}", run.stdout);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "the old contents\n");
    let left: Vec<_> = std::fs::read_dir(&disk).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(left.len(), 1, "a temporary was left behind: {left:?}");
    drop(unmount);
}

struct Unmount(std::path::PathBuf);

impl Drop for Unmount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_filesystem_leaves_the_old_file_whole_and_says_no_space() {
    full_filesystem(false);
}

#[test]
fn a_full_filesystem_over_ssh_leaves_the_old_file_whole_and_says_no_space() {
    full_filesystem(true);
}

/// A host whose key changes between two runs, while the first run's connection is kept by the
/// keeper (`ControlPersist`): the second run must not ride the kept connection past the check.
/// The daemon is restarted on its port with a new key, as a reinstalled machine would be.
#[test]
fn a_host_key_that_changes_between_runs_through_the_keeper_is_refused() {
    if !common::runs_as_root("a test sshd") {
        return;
    }
    let t = Test::new();
    let mut sshd = Sshd::start();
    let known_hosts = knowing(&t, &sshd);
    let vars = sshd
        .vars(&known_hosts)
        .replace(" }", ", ansible_ssh_args: '-o ControlMaster=auto -o ControlPersist=30s' }");
    t.write("inventory.yaml", &format!("all:\n  hosts:\n    h0: {vars}\n"));
    t.write("play.yaml", "- hosts: all\n  tasks:\n    - command: \"true\"\n");
    let keeper = [("XDG_RUNTIME_DIR", t.path())];
    t.run_with_env(&["play", "play.yaml"], &keeper).ok();

    sshd.kill();
    let key = sshd.dir.join("host_key");
    let _ = std::fs::remove_file(&key);
    let _ = std::fs::remove_file(key.with_extension("pub"));
    let made = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(made.success());
    sshd.restart();

    let started = Instant::now();
    let run = t.run_with_env(&["play", "play.yaml"], &keeper);
    assert!(started.elapsed() < Duration::from_secs(60), "{}", run.stdout);
    assert_eq!(run.code, 4, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("has CHANGED"), "{}{}", run.stdout, run.stderr);
}

/// `ANSIBLE_SSH_ARGS` with `-o UserKnownHostsFile=…`, the way Ansible users point at their
/// known hosts, is honoured: the host is known through it, and unknown without it.
#[test]
fn ansible_ssh_args_from_the_environment_name_the_known_hosts() {
    if !common::runs_as_root("a test sshd") {
        return;
    }
    let t = Test::new();
    let sshd = Sshd::start();
    let known_hosts = knowing(&t, &sshd);
    let vars = sshd.vars(&known_hosts);
    let vars =
        vars.replace(&format!(", ansible_ssh_known_hosts_file: {}", known_hosts.display()), "");
    assert!(!vars.contains("known_hosts"), "{vars}");
    t.write("inventory.yaml", &format!("all:\n  hosts:\n    h0: {vars}\n"));
    t.write("play.yaml", "- hosts: all\n  tasks:\n    - command: \"true\"\n");
    let empty = t.path().join("empty_home");
    std::fs::create_dir(&empty).unwrap();
    let unknown = t.run_with_env(&["play", "play.yaml"], &[("HOME", &empty)]);
    assert_eq!(unknown.code, 4, "{}", unknown.stdout);
    let args = format!("-o UserKnownHostsFile={}", known_hosts.display());
    let known = t.run_with_env(
        &["play", "play.yaml"],
        &[("HOME", &empty), ("ANSIBLE_SSH_ARGS", std::path::Path::new(&args))],
    );
    known.ok();
}

/// A wrong become password: sudo refuses it (three times, reading each from the same stdin
/// that carries the requests) and the step fails saying so, within a bound, never waiting.
#[test]
fn a_wrong_become_password_fails_saying_so() {
    if !common::runs_as_root("a test sudo user") {
        return;
    }
    common::sudo_user("nrwrongpw", Some("Pw-the-right-one"));
    let t = Test::new();
    let sshd = Sshd::start();
    let known_hosts = knowing(&t, &sshd);
    let vars = sshd.vars(&known_hosts).replace("ansible_user: nrtest", "ansible_user: nrwrongpw");
    t.write(
        "inventory.yaml",
        &format!("all:\n  vars: {{ ansible_command_timeout: 60 }}\n  hosts:\n    h0: {vars}\n"),
    );
    t.write("play.yaml", "- hosts: all\n  tasks:\n    - command: id -u\n      become: true\n");
    let started = Instant::now();
    let run = t.run_with_env(
        &["play", "play.yaml"],
        &[("NUMARUN_BECOME_PASSWORD", std::path::Path::new("Pw-a-wrong-one"))],
    );
    let took = started.elapsed();
    assert!(took < Duration::from_secs(40), "took {took:?}: {}", run.stdout);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("incorrect password"), "{}", run.stdout);
    assert!(!run.stdout.contains("Pw-a-wrong-one"), "{}", run.stdout);
}

/// A host that authenticates and then never answers: its login runs a program that neither
/// reads nor writes (a broken shell, a profile waiting on a terminal). Starting the remote shell
/// is bounded by the connect timeout; before, with no command timeout set, the run waited for
/// ever.
#[test]
fn a_host_whose_shell_never_answers_is_unreachable_within_its_timeout() {
    if !common::runs_as_root("a test sshd") {
        return;
    }
    let t = Test::new();
    let sshd = Sshd::start_with("ForceCommand /bin/sleep 1000");
    let known_hosts = knowing(&t, &sshd);
    let vars = sshd.vars(&known_hosts).replace(" }", ", ansible_ssh_timeout: 2 }");
    t.write(
        "inventory.yaml",
        &format!("all:\n  hosts:\n    bad: {vars}\n    good: {{ ansible_connection: local }}\n"),
    );
    t.write(
        "play.yaml",
        "- hosts: all\n  tasks:\n    - command: echo one\n      changed_when: false\n    - command: echo two\n      changed_when: false\n",
    );
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_numarun"))
        .args(["play", "play.yaml", "-i", "inventory.yaml"])
        .current_dir(t.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status = common::finish(&mut child, Duration::from_secs(60), "a silent shell");
    let mut stdout = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut stdout).unwrap();
    assert_eq!(status.code(), Some(4), "{stdout}");
    assert!(
        stdout.contains("the host agent did not answer within 2s")
            || stdout.contains("the remote shell did not answer within 2s"),
        "{stdout}"
    );
    assert!(stdout.contains("good") && !stdout.contains("failed: [good]"), "{stdout}");
}

/// A link that stops carrying bytes a megabyte into an 8 MB upload, as a host that hangs or a
/// network that starts dropping everything would: the sender's window fills and nothing answers.
/// No timeout but the connect timeout is set; the keepalives it paces find the host gone, and the
/// healthy host beside it finishes. Before keepalives were on by default, this run never ended.
#[test]
fn a_link_that_stalls_mid_upload_is_unreachable_within_its_timeouts() {
    if !common::runs_as_root("a test sshd") {
        return;
    }
    let t = Test::new();
    let sshd = Sshd::start();
    let link = FaultyLink::start(sshd.port);
    link.cut(Some(Cut { way: Way::ToHost, after: 1 << 20, fault: Fault::Stall }));
    let vars = link.host_vars(&sshd, t.path(), ", ansible_ssh_timeout: 2, ansible_ssh_retries: 0");
    t.write(
        "inventory.yaml",
        &format!("all:\n  hosts:\n    bad: {vars}\n    good: {{ ansible_connection: local }}\n"),
    );
    let noise: Vec<u8> =
        (0..8u32 << 20).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    std::fs::write(t.path().join("noise"), noise).unwrap();
    t.write(
        "play.yaml",
        &format!(
            "- hosts: all\n  tasks:\n    - copy: {{ src: noise, dest: \"{{{{ '{}' if inventory_hostname == 'bad' else '{}' }}}}\" }}\n    - command: echo done\n      changed_when: false\n",
            sshd.scratch().join("noise").display(),
            t.path().join("noise-copy").display()
        ),
    );
    let started = Instant::now();
    let run = t.run(&["play", "play.yaml"]);
    let took = started.elapsed();
    // 2 s keepalives, given up after three unanswered: about 8 s. A bound on a hang, with room
    // for a loaded machine, not a speed goal.
    assert!(took < Duration::from_secs(40), "took {took:?}:\n{}", run.stdout);
    assert_eq!(run.code, 4, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.recap("bad")["unreachable"], 1, "{}", run.stdout);
    assert_eq!(run.recap("good")["ok"], 2, "{}", run.stdout);
    assert!(link.relayed().0 >= 1 << 20, "the stall came before the upload");
    assert!(!sshd.scratch().join("noise").exists(), "a partial upload took the file's name");
}
