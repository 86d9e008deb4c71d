//! How to reach a host over SSH, from Ansible's connection variables.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::host_keys::Policy;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Endpoint {
    pub address: String,
    pub port: u16,
    pub user: String,
}

/// A host's SSH settings, from Ansible's connection variables.
#[derive(Debug, Clone)]
pub struct SshSettings {
    /// What makes the connection.
    pub ssh_target: SshTarget,
    /// `ansible_command_timeout`: a command past it is killed.
    pub command_timeout: Option<Duration>,
    /// `ansible_become_password`, for sudo or su when they ask.
    pub become_password: Option<String>,
    /// Concurrent channels; OpenSSH refuses beyond `MaxSessions` (10 by default).
    pub max_sessions: usize,
    /// The Perl that runs the host agent (`numarun_perl_interpreter`, `perl` by default);
    /// `None` leaves file work to the shell snippets.
    pub perl: Option<String>,
    /// `-o ControlPersist`: keep the connection open this long after the run, in the keeper.
    pub persist: Option<Duration>,
}

/// What makes a connection: everything two runs must agree on to share one, and nothing
/// secret (the keeper is sent it).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SshTarget {
    pub endpoint: Endpoint,
    /// `ProxyJump`: reach the host through this one (same keys and known_hosts).
    pub jump: Option<Endpoint>,
    pub key_file: Option<PathBuf>,
    /// The ssh-agent's socket (`SSH_AUTH_SOCK`) when no key file is given: the run's own, also
    /// when the keeper, started by an earlier run, authenticates for it.
    pub agent: Option<PathBuf>,
    pub known_hosts: PathBuf,
    pub policy: Policy,
    /// Keys pinned in the inventory (`ansible_ssh_host_key`), as `algorithm base64` lines.
    pub pinned: Vec<String>,
    pub connect_timeout: Duration,
    /// Further connection attempts after a network failure (`ansible_ssh_retries`), as when
    /// a booting VM's sshd restarts.
    pub retries: u32,
    /// `-o ServerAliveInterval`: ask a silent host whether it is still there this often, and
    /// give it up after `ServerAliveCountMax` (3) unanswered asks. Unlike OpenSSH, on unless
    /// set to 0: when not set, the interval is the connect timeout (see `server_alive`).
    pub server_alive: Option<(Duration, usize)>,
}

/// A variable of the host, as text.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// A connection setting (a host variable or an `-o` option) whose value cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{setting} `{value}`: expected {expected}")]
pub struct BadSetting {
    pub setting: String,
    pub value: String,
    pub expected: &'static str,
}

fn bad(setting: &str, value: &str, expected: &'static str) -> BadSetting {
    BadSetting { setting: setting.to_string(), value: value.to_string(), expected }
}

impl SshSettings {
    /// The settings of host `host` from its variables, as Ansible reads them.
    pub fn from_vars(host: &str, var: Lookup) -> Result<SshSettings, BadSetting> {
        let first = |names: &[&str]| names.iter().find_map(|n| var(n));
        let port = match first(&["ansible_port", "ansible_ssh_port"]) {
            Some(p) => p.parse().map_err(|_| bad("ansible_port", &p, "a port number"))?,
            None => 22,
        };
        let user = first(&["ansible_user", "ansible_ssh_user"])
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "root".into());
        let endpoint = Endpoint {
            address: first(&["ansible_host", "ansible_ssh_host"])
                .unwrap_or_else(|| host.to_string()),
            port,
            user,
        };
        // Where Ansible's ssh reads options: `ssh_args` (ansible.cfg's, as a variable) and the two others.
        let ssh_args = ["ansible_ssh_args", "ansible_ssh_common_args", "ansible_ssh_extra_args"]
            .into_iter()
            .filter_map(var)
            .collect::<Vec<_>>()
            .join(" ");
        let jump = ssh_option(&ssh_args, "ProxyJump")
            .map(|spec| parse_endpoint(&spec, &endpoint.user))
            .transpose()?;
        let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
        let known_hosts = first(&["ansible_ssh_known_hosts_file"])
            .or_else(|| ssh_option(&ssh_args, "UserKnownHostsFile"))
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(home).join(".ssh/known_hosts"));
        let checking_off = var("ansible_host_key_checking")
            .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "false" | "no" | "0"));
        let policy = match (checking_off, var("numarun_host_key_policy").as_deref()) {
            (true, _) => Policy::Insecure,
            (false, None | Some("strict")) => Policy::Strict,
            (false, Some("accept-new")) => Policy::AcceptNew,
            (false, Some(other)) => {
                return Err(bad("numarun_host_key_policy", other, "strict or accept-new"));
            }
        };
        let seconds = |name: &str| -> Result<Option<Duration>, BadSetting> {
            let parse = |v: String| {
                v.parse::<f64>()
                    .map(Duration::from_secs_f64)
                    .map_err(|_| bad(name, &v, "a number of seconds"))
            };
            var(name).map(parse).transpose()
        };
        // The keeper shares a connection between runs from any directory: paths must not be relative.
        let absolute = |path: PathBuf| std::path::absolute(&path).unwrap_or(path);
        let key_file = first(&["ansible_ssh_private_key_file", "ansible_private_key_file"])
            .map(PathBuf::from)
            .map(absolute);
        let connect_timeout = seconds("ansible_ssh_timeout")?
            .or(seconds("ansible_timeout")?)
            .unwrap_or(Duration::from_secs(10));
        let ssh_target = SshTarget {
            endpoint,
            jump,
            agent: key_file
                .is_none()
                .then(|| std::env::var_os("SSH_AUTH_SOCK"))
                .flatten()
                .filter(|s| !s.is_empty())
                .map(PathBuf::from),
            key_file,
            known_hosts: absolute(known_hosts),
            policy,
            pinned: var("ansible_ssh_host_key")
                .map(|k| k.lines().map(str::to_string).filter(|l| !l.trim().is_empty()).collect())
                .unwrap_or_default(),
            connect_timeout,
            retries: match var("ansible_ssh_retries") {
                Some(v) => v.parse().map_err(|_| bad("ansible_ssh_retries", &v, "a count"))?,
                None => 0,
            },
            server_alive: server_alive(&ssh_args, connect_timeout)?,
        };
        Ok(SshSettings {
            ssh_target,
            command_timeout: seconds("ansible_command_timeout")?,
            become_password: first(&["ansible_become_password", "ansible_become_pass"])
                .or_else(|| std::env::var("NUMARUN_BECOME_PASSWORD").ok()),
            max_sessions: var("numarun_ssh_max_sessions")
                .and_then(|v| v.parse().ok())
                .unwrap_or(8)
                .max(1),
            perl: match var("numarun_perl_interpreter") {
                None => Some("perl".into()),
                Some(off)
                    if matches!(
                        off.to_ascii_lowercase().as_str(),
                        "" | "none" | "false" | "no"
                    ) =>
                {
                    None
                }
                Some(perl) => Some(perl),
            },
            persist: persist(&ssh_args)?,
        })
    }
}

/// The value of `-o Name=value` (or `-o Name value`) in ssh arguments.
fn ssh_option(args: &str, name: &str) -> Option<String> {
    let words: Vec<&str> = args.split_whitespace().collect();
    words.iter().enumerate().find_map(|(i, w)| {
        let option = w
            .strip_prefix("-o")
            .filter(|o| !o.is_empty())
            .or_else(|| (*w == "-o").then(|| words.get(i + 1).copied()).flatten())?;
        let (key, value) = option.split_once('=').or_else(|| option.split_once(' '))?;
        key.eq_ignore_ascii_case(name).then(|| value.trim_matches(['"', '\'']).to_string())
    })
}

/// `-o ServerAliveInterval=S` and `-o ServerAliveCountMax=N`, as OpenSSH reads them (0 is off).
/// Where the interval is not set, it is the connect timeout, where OpenSSH's is off: a host that
/// hangs, or a link that drops everything, after the connection is made would otherwise hold the
/// run for ever (no command timeout is set by default, as in Ansible). A host that is merely busy
/// still answers: sshd replies to keepalives while the command it runs says nothing.
/// `tests/cut_connections.rs` stalls a run's connection at every offset: without this default,
/// a stall once the shell runs never ended (one path to the kill test's recorded hang).
fn server_alive(
    args: &str,
    connect_timeout: Duration,
) -> Result<Option<(Duration, usize)>, BadSetting> {
    let number = |name: &str| match ssh_option(args, name) {
        Some(v) => v.parse::<u64>().map(Some).map_err(|_| bad(name, &v, "a whole number")),
        None => Ok(None),
    };
    let interval = number("ServerAliveInterval")?.map_or(connect_timeout, Duration::from_secs);
    let count = number("ServerAliveCountMax")?.unwrap_or(3);
    // russh gives up after more than `count` unanswered asks: 0 would mean never.
    Ok((!interval.is_zero()).then(|| (interval, (count as usize).max(1))))
}

/// `-o ControlPersist=` as OpenSSH reads it: seconds, a time with a unit (`60s`, `10m`, `1h`),
/// `yes` or `0` for as long as the keeper lives, `no` for off; off too under `ControlMaster=no`.
fn persist(args: &str) -> Result<Option<Duration>, BadSetting> {
    let Some(value) = ssh_option(args, "ControlPersist") else { return Ok(None) };
    if ssh_option(args, "ControlMaster").is_some_and(|m| m.eq_ignore_ascii_case("no")) {
        return Ok(None);
    }
    let (number, unit) =
        value.split_at(value.find(|c: char| !c.is_ascii_digit()).unwrap_or(value.len()));
    let seconds = match (number.parse::<u64>(), unit.to_ascii_lowercase().as_str()) {
        (Err(_), "yes") | (Ok(0), "") => u64::MAX,
        (Err(_), "no") => return Ok(None),
        (Ok(n), "" | "s") => n,
        (Ok(n), "m") => n.saturating_mul(60),
        (Ok(n), "h") => n.saturating_mul(3600),
        _ => return Err(bad("ControlPersist", &value, "yes, no, or a time such as 60s or 10m")),
    };
    Ok(Some(Duration::from_secs(seconds)))
}

/// `[user@]host[:port]`.
fn parse_endpoint(spec: &str, default_user: &str) -> Result<Endpoint, BadSetting> {
    let (user, rest) = spec.split_once('@').map_or((default_user, spec), |(u, r)| (u, r));
    let (address, port) = match rest.rsplit_once(':') {
        Some((a, p)) => (a, p.parse().map_err(|_| bad("ProxyJump", spec, "[user@]host[:port]"))?),
        None => (rest, 22),
    };
    Ok(Endpoint { address: address.to_string(), port, user: user.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssh_options_are_read_from_common_args() {
        let args = "-o StrictHostKeyChecking=no -o ProxyJump=admin@10.0.0.1:2222 -oUserKnownHostsFile=/tmp/kh";
        assert_eq!(ssh_option(args, "proxyjump").as_deref(), Some("admin@10.0.0.1:2222"));
        assert_eq!(ssh_option(args, "UserKnownHostsFile").as_deref(), Some("/tmp/kh"));
        let timeout = Duration::from_secs(10);
        assert_eq!(server_alive(args, timeout).unwrap(), Some((timeout, 3)), "on by default");
        assert_eq!(server_alive("-o ServerAliveInterval=0", timeout).unwrap(), None, "0 is off");
        assert_eq!(
            server_alive("-o ServerAliveInterval=15", timeout).unwrap(),
            Some((Duration::from_secs(15), 3))
        );
        assert!(
            server_alive("-o ServerAliveCountMax=many -o ServerAliveInterval=5", timeout)
                .unwrap_err()
                .setting
                == "ServerAliveCountMax"
        );
        assert_eq!(persist(args).unwrap(), None, "off unless asked for");
        assert_eq!(
            persist("-o ControlMaster=auto -o ControlPersist=60s").unwrap(),
            Some(Duration::from_secs(60))
        );
        assert_eq!(persist("-o ControlPersist=10m").unwrap(), Some(Duration::from_secs(600)));
        assert_eq!(persist("-o ControlPersist=yes").unwrap(), Some(Duration::from_secs(u64::MAX)));
        assert_eq!(persist("-o ControlMaster=no -o ControlPersist=60").unwrap(), None);
        assert!(
            persist("-o ControlPersist=soon")
                .unwrap_err()
                .to_string()
                .contains("ControlPersist `soon`")
        );
        let jump = parse_endpoint("admin@10.0.0.1:2222", "root").unwrap();
        assert_eq!(
            (jump.user.as_str(), jump.address.as_str(), jump.port),
            ("admin", "10.0.0.1", 2222)
        );
    }
}
