//! Real OpenSSH daemons on loopback for the SSH tests: each with its own
//! config, host key and scratch directory, logging in as a dedicated user
//! whose shell is /bin/sh (so no login scripts slow or change commands).

use std::net::TcpListener;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The user the tests log in as; created on first use (the tests run as root).
pub const USER: &str = "nrtest";

pub struct Sshd {
    pub port: u16,
    pub dir: PathBuf,
    /// `algorithm base64` of the daemon's host key.
    pub host_key: String,
    child: Child,
}

/// Account changes take /etc/passwd's lock: one at a time across the tests of a binary, and
/// across test binaries that run side by side (`.ci/run` runs two at once), by a file lock.
static ACCOUNTS: Mutex<()> = Mutex::new(());

/// Holds the accounts for one change: this binary's other tests wait on the mutex, other
/// binaries on the file's lock, released when the file closes.
fn accounts() -> (std::sync::MutexGuard<'static, ()>, std::fs::File) {
    let here = ACCOUNTS.lock().unwrap_or_else(|e| e.into_inner());
    let file = std::fs::File::create("/run/lock/numarun-test-accounts.lock")
        .expect("the accounts' lock file");
    file.lock().expect("the accounts' lock");
    (here, file)
}

/// A user allowed to `sudo`: without a password, or with this one.
pub fn sudo_user(name: &str, password: Option<&str>) {
    prepare_machine();
    let _accounts = accounts();
    if !Command::new("id").arg(name).stdout(Stdio::null()).status().unwrap().success() {
        let _ = Command::new("useradd").args(["-m", "-s", "/bin/sh", name]).status();
    }
    let rule = match password {
        None => format!("{name} ALL=(ALL) NOPASSWD: ALL\n"),
        Some(password) => {
            let mut chpasswd = Command::new("chpasswd").stdin(Stdio::piped()).spawn().unwrap();
            std::io::Write::write_all(
                chpasswd.stdin.as_mut().unwrap(),
                format!("{name}:{password}\n").as_bytes(),
            )
            .unwrap();
            assert!(chpasswd.wait().unwrap().success());
            format!("{name} ALL=(ALL) ALL\n")
        }
    };
    let file = format!("/etc/sudoers.d/numarun-test-{name}");
    std::fs::write(&file, rule).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o440)).unwrap();
}

/// A client key pair shared by every test run on this machine: made once and kept, so no run
/// leaves one behind.
pub fn client_key() -> &'static Path {
    static KEY: OnceLock<PathBuf> = OnceLock::new();
    KEY.get_or_init(|| {
        prepare_machine();
        let dir = std::env::temp_dir().join("numarun-test-client");
        if !dir.exists() {
            // Made aside, then renamed into place: a test binary running alongside sees a whole
            // pair or none, and the loser of a race uses the winner's.
            let fresh = tempfile::Builder::new().prefix("numarun-test-client-").tempdir().unwrap();
            let key = fresh.path().join("id_ed25519");
            run("ssh-keygen", &["-q", "-t", "ed25519", "-N", "", "-f", key.to_str().unwrap()]);
            let _ = std::fs::rename(fresh.path(), &dir);
        }
        // A name in /tmp is free for anyone to take first.
        let meta = std::fs::symlink_metadata(&dir).unwrap();
        assert!(
            meta.is_dir() && meta.uid() == 0 && meta.mode() & 0o022 == 0,
            "{} is not root's own directory",
            dir.display()
        );
        dir.join("id_ed25519")
    })
}

fn run(program: &str, args: &[&str]) {
    let status = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(status.success(), "{program} {args:?} failed");
}

/// Root, sshd and the test user are preconditions, not options: a missing one fails loudly.
fn prepare_machine() {
    static READY: OnceLock<()> = OnceLock::new();
    READY.get_or_init(prepare_machine_once);
}

fn prepare_machine_once() {
    assert!(super::is_root(), "the SSH tests run as root (they start sshd)");
    let _accounts = accounts();
    assert!(
        Path::new("/usr/sbin/sshd").exists(),
        "the SSH tests need OpenSSH's sshd (apt-get install openssh-server)"
    );
    std::fs::create_dir_all("/run/sshd").unwrap();
    if !Command::new("id").arg(USER).stdout(Stdio::null()).status().unwrap().success() {
        let _ = Command::new("useradd").args(["-m", "-s", "/bin/sh", USER]).status();
    }
    // A locked account (useradd's "!") cannot log in when sshd runs without PAM.
    run("usermod", &["-p", "*", USER]);
}

/// A free port on loopback, never one this test binary handed out before: the kernel may give
/// a port just released to the next asker, and a test that starts hundreds of daemons at once
/// would then start two on one port (the second fails to bind, and its host answers with the
/// first one's key). A race with other processes is still possible, not likely.
fn free_port() -> u16 {
    static GIVEN: Mutex<Vec<u16>> = Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

impl Sshd {
    pub fn start() -> Sshd {
        Sshd::start_with("")
    }

    /// Starts a daemon with extra sshd_config lines and waits until it answers.
    pub fn start_with(extra_config: &str) -> Sshd {
        let key = client_key();
        let dir = tempfile::Builder::new().prefix("numarun-sshd-").tempdir().unwrap().keep();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let host_key = dir.join("host_key");
        run("ssh-keygen", &["-q", "-t", "ed25519", "-N", "", "-f", host_key.to_str().unwrap()]);
        std::fs::copy(key.with_extension("pub"), dir.join("authorized_keys")).unwrap();
        std::fs::set_permissions(
            dir.join("authorized_keys"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        let scratch = dir.join("scratch");
        std::fs::create_dir(&scratch).unwrap();
        run("chown", &[USER, scratch.to_str().unwrap()]);
        let port = free_port();
        let mut sshd = Sshd {
            port,
            dir,
            host_key: String::new(),
            child: Command::new("true").spawn().unwrap(),
        };
        sshd.write_config(extra_config);
        sshd.spawn();
        sshd.host_key = std::fs::read_to_string(sshd.dir.join("host_key.pub"))
            .unwrap()
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        sshd
    }

    fn write_config(&self, extra_config: &str) {
        let (port, dir) = (self.port, &self.dir);
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\nAuthorizedKeysFile {d}/authorized_keys\nPidFile {d}/sshd.pid\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nLogLevel ERROR\n{extra_config}\n",
            d = dir.display()
        );
        std::fs::write(dir.join("sshd_config"), config).unwrap();
    }

    /// Starts the daemon and waits until it answers.
    fn spawn(&mut self) {
        let (port, dir) = (self.port, self.dir.clone());
        let _ = self.child.wait();
        self.child = Command::new("/usr/sbin/sshd")
            .args(["-D", "-e", "-f"])
            .arg(dir.join("sshd_config"))
            .stderr(std::fs::File::create(dir.join("sshd.log")).unwrap())
            .spawn()
            .expect("start sshd");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "sshd on port {port} did not start: {}",
                std::fs::read_to_string(dir.join("sshd.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The same daemon (port, keys, config) started again after `kill`.
    pub fn restart(&mut self) {
        self.spawn();
    }

    /// The line known_hosts needs for this daemon.
    pub fn known_hosts_line(&self) -> String {
        format!("[127.0.0.1]:{} {}\n", self.port, self.host_key)
    }

    /// The daemon's process, which forks every session.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn scratch(&self) -> PathBuf {
        self.dir.join("scratch")
    }

    /// Inventory variables that reach this daemon with the test key.
    pub fn vars(&self, known_hosts: &Path) -> String {
        format!(
            "{{ ansible_connection: ssh, ansible_host: 127.0.0.1, ansible_port: {}, ansible_user: {USER}, ansible_ssh_private_key_file: {}, ansible_ssh_known_hosts_file: {} }}",
            self.port,
            client_key().display(),
            known_hosts.display()
        )
    }

    /// Kills the daemon and every session it forked, as a host that dies would.
    pub fn kill(&mut self) {
        kill_tree(self.child.id());
        let _ = self.child.wait();
    }

    /// Kills the daemon alone: the sessions it forked go on, as open connections do when a
    /// host's sshd is stopped, but no new connection gets in.
    pub fn stop_listening(&mut self) {
        signal(self.child.id(), libc::SIGKILL);
        let _ = self.child.wait();
    }

    /// Stops the daemon and every session it forked, as a host that hangs would: connections
    /// stay open, but nothing reads them. `kill` still ends it.
    pub fn freeze(&self) {
        stop_tree(self.child.id());
    }
}

/// Kills a daemon a test started and every session it forked, as a host that dies would.
pub fn kill_tree(pid: u32) {
    for pid in stop_tree(pid) {
        signal(pid, libc::SIGKILL);
    }
}

/// Stops a process, then its descendants, and lists them all. A stopped process forks no more,
/// so a session accepted meanwhile cannot slip through, as it could if the tree were listed first.
fn stop_tree(pid: u32) -> Vec<u32> {
    signal(pid, libc::SIGSTOP);
    let children: Vec<u32> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|p| {
            std::fs::read_to_string(format!("/proc/{p}/stat"))
                .ok()
                .and_then(|s| s.rsplit(')').next()?.split_whitespace().nth(1)?.parse::<u32>().ok())
                == Some(pid)
        })
        .collect();
    let mut all = vec![pid];
    for child in children {
        all.extend(stop_tree(child));
    }
    all
}

/// Sends a signal to a process a test started (or one of its descendants).
pub fn signal(pid: u32, signal: i32) {
    // SAFETY: kill(2) takes a pid and a signal number; it touches no memory of ours.
    unsafe { libc::kill(pid as i32, signal) };
}

impl Drop for Sshd {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
