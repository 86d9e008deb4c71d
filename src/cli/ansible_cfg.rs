//! Ansible's configuration, found where Ansible looks for it (`ANSIBLE_CONFIG`, `./ansible.cfg`,
//! `~/.ansible.cfg`, `/etc/ansible/ansible.cfg`, the first that exists), and the `ANSIBLE_*`
//! variables over it: the settings people set that numarun has a use for. A relative path in the
//! file is relative to the file's folder, as in Ansible.

use std::path::{Path, PathBuf};

use crate::diag::{Diag, DiagKind, Source, Span};
use crate::model::{Gathering, LoadSettings};
use crate::vars::VarMap;

/// The settings numarun takes from Ansible's configuration.
#[derive(Debug, Default)]
pub(super) struct AnsibleConfig {
    /// The file read, if any.
    pub(super) file: Option<PathBuf>,
    /// `[defaults] inventory` / `ANSIBLE_INVENTORY`: used when no `-i` is given.
    pub(super) inventory: Vec<PathBuf>,
    /// `[defaults] forks` / `ANSIBLE_FORKS`: used when no `-f` is given.
    pub(super) forks: Option<usize>,
    /// `[defaults] roles_path` / `ANSIBLE_ROLES_PATH` and `[defaults] gathering` /
    /// `ANSIBLE_GATHERING`: how playbooks are read.
    pub(super) load: LoadSettings,
    /// Connection and privilege defaults, as the inventory variables they stand for.
    pub(super) host_defaults: VarMap,
    /// `[defaults] force_handlers` / `ANSIBLE_FORCE_HANDLERS`.
    pub(super) force_handlers: bool,
    /// `[defaults] vault_identity_list` / `ANSIBLE_VAULT_IDENTITY_LIST`: `ID@SOURCE`s tried first.
    pub(super) vault_identities: Vec<String>,
    /// `[defaults] vault_password_file` / `ANSIBLE_VAULT_PASSWORD_FILE`.
    pub(super) vault_password_file: Option<PathBuf>,
}

/// Setting → the inventory variable it is the default of, with its `ANSIBLE_*` variable.
const HOST_DEFAULTS: &[(&str, &str, &str, &str)] = &[
    ("defaults", "remote_user", "ANSIBLE_REMOTE_USER", "ansible_user"),
    ("defaults", "private_key_file", "ANSIBLE_PRIVATE_KEY_FILE", "ansible_ssh_private_key_file"),
    ("defaults", "host_key_checking", "ANSIBLE_HOST_KEY_CHECKING", "ansible_host_key_checking"),
    ("defaults", "timeout", "ANSIBLE_TIMEOUT", "ansible_ssh_timeout"),
    ("ssh_connection", "ssh_args", "ANSIBLE_SSH_ARGS", "ansible_ssh_args"),
    ("ssh_connection", "retries", "ANSIBLE_SSH_RETRIES", "ansible_ssh_retries"),
    ("privilege_escalation", "become", "ANSIBLE_BECOME", "ansible_become"),
    ("privilege_escalation", "become_user", "ANSIBLE_BECOME_USER", "ansible_become_user"),
];

impl AnsibleConfig {
    /// The configuration this run sees.
    pub(super) fn load() -> Result<AnsibleConfig, Diag> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let file = find(env("ANSIBLE_CONFIG"));
        let entries = match &file {
            Some(path) => {
                parse(&Source::new(path.display().to_string(), crate::text_file::read(path)?))?
            }
            None => Vec::new(),
        };
        let base = file.as_deref().and_then(Path::parent).unwrap_or(Path::new("."));
        // The variable's value, or the file's (with its place there).
        let setting =
            |section: &str, key: &str, variable: &str| -> Option<(String, Option<Span>)> {
                env(variable).map(|v| (v, None)).or_else(|| {
                    entries
                        .iter()
                        .rev()
                        .find(|e| e.section == section && e.key == key)
                        .map(|e| (e.value.clone(), Some(e.span.clone())))
                })
            };
        let mut config = AnsibleConfig { file: file.clone(), ..AnsibleConfig::default() };
        if let Some((list, from_file)) = setting("defaults", "inventory", "ANSIBLE_INVENTORY") {
            config.inventory = list
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| resolve(p, from_file.is_some().then_some(base)))
                .collect();
        }
        if let Some((list, from_file)) = setting("defaults", "roles_path", "ANSIBLE_ROLES_PATH") {
            config.load.roles_path = Some(
                list.split(':')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(|p| resolve(p, from_file.is_some().then_some(base)))
                    .collect(),
            );
        }
        if let Some((value, _)) = setting("defaults", "force_handlers", "ANSIBLE_FORCE_HANDLERS") {
            config.force_handlers =
                matches!(value.to_lowercase().as_str(), "true" | "yes" | "1" | "on");
        }
        if let Some((list, _)) =
            setting("defaults", "vault_identity_list", "ANSIBLE_VAULT_IDENTITY_LIST")
        {
            config.vault_identities = list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
        }
        if let Some((file, from_file)) =
            setting("defaults", "vault_password_file", "ANSIBLE_VAULT_PASSWORD_FILE")
        {
            config.vault_password_file = Some(resolve(&file, from_file.is_some().then_some(base)));
        }
        if let Some((gathering, at)) = setting("defaults", "gathering", "ANSIBLE_GATHERING") {
            config.load.gathering = match gathering.as_str() {
                "implicit" | "smart" => Gathering::Implicit,
                "explicit" => Gathering::Explicit,
                other => {
                    let message = format!("gathering = {other}: implicit, explicit or smart");
                    return Err(match at {
                        Some(span) => Diag::invalid(&span, message),
                        None => Diag::new(
                            DiagKind::Invalid(format!("ANSIBLE_GATHERING: {message}")),
                            None,
                        ),
                    });
                }
            };
        }
        if let Some((forks, at)) = setting("defaults", "forks", "ANSIBLE_FORKS") {
            config.forks = Some(forks.parse().map_err(|_| {
                let message = format!("forks = {forks} is not a count of hosts");
                match at {
                    Some(span) => Diag::invalid(&span, message),
                    None => Diag::new(DiagKind::Invalid(format!("ANSIBLE_FORKS: {message}")), None),
                }
            })?);
        }
        for (section, key, variable, var) in HOST_DEFAULTS {
            if let Some((value, from_file)) = setting(section, key, variable) {
                let value = match *key {
                    "private_key_file" => {
                        resolve(&value, from_file.is_some().then_some(base)).display().to_string()
                    }
                    _ => value,
                };
                config.host_defaults.insert_value(var, value.into());
            }
        }
        Ok(config)
    }
}

/// The first configuration file that exists, in Ansible's order. `./ansible.cfg` in a folder
/// anyone may write is skipped, as Ansible skips it: anyone could have put it there.
fn find(explicit: Option<String>) -> Option<PathBuf> {
    if let Some(path) = explicit {
        let path = PathBuf::from(path);
        let path = if path.is_dir() { path.join("ansible.cfg") } else { path };
        return path.is_file().then_some(path);
    }
    let cwd = PathBuf::from("ansible.cfg");
    let world_writable = std::fs::metadata(".")
        .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o002 != 0)
        .unwrap_or(true);
    let home = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".ansible.cfg"));
    [(!world_writable).then_some(cwd), home, Some(PathBuf::from("/etc/ansible/ansible.cfg"))]
        .into_iter()
        .flatten()
        .find(|p| p.is_file())
}

/// `~` is the home folder; a relative path is relative to the configuration's folder.
fn resolve(path: &str, base: Option<&Path>) -> PathBuf {
    if let Some(rest) = path.strip_prefix("~/")
        && let Some(home) = std::env::var_os("HOME")
    {
        return PathBuf::from(home).join(rest);
    }
    match base {
        Some(base) if Path::new(path).is_relative() => base.join(path),
        _ => PathBuf::from(path),
    }
}

struct CfgSetting {
    section: String,
    key: String,
    value: String,
    span: Span,
}

/// The `key = value` lines of an INI file, with their sections (Python's configparser, as
/// Ansible reads it: `=` or `:`, `#` and `;` comments, keys lowercased).
fn parse(source: &std::sync::Arc<Source>) -> Result<Vec<CfgSetting>, Diag> {
    let mut entries = Vec::new();
    let mut section: Option<String> = None;
    let mut offset = 0;
    for raw in source.text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let lead = raw.len() - raw.trim_start().len();
        let span = Span::new(source, start + lead, start + lead + line.len());
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = Some(name.trim().to_string());
            continue;
        }
        let Some(at) = line.find(['=', ':']) else {
            return Err(Diag::invalid(&span, format!("`{line}` is not `key = value`")));
        };
        let Some(section) = &section else {
            return Err(Diag::invalid(&span, format!("`{line}` comes before any [section]"))
                .with_help("settings go under [defaults], [ssh_connection], …"));
        };
        entries.push(CfgSetting {
            section: section.clone(),
            key: line[..at].trim().to_ascii_lowercase(),
            value: line[at + 1..].trim().to_string(),
            span,
        });
    }
    Ok(entries)
}
