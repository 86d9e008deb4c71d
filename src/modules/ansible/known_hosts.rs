//! `known_hosts`: a host's key in an OpenSSH `known_hosts` file, or gone from it, as
//! ansible-core's module edits it: a different key of the same type for the host is replaced
//! where it stands, a key of another type is kept and the new one added at the end. Hashed
//! entries (`|1|salt|hash`) are recognised, and written with `hash_host`.

use async_trait::async_trait;
use base64::Engine as _;
use hmac::{KeyInit, Mac};
use serde::Deserialize;

use crate::diag::Diag;
use crate::modules::action::Action;
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::probe::{NO_ARGUMENTS, Probe, scripts};
use crate::modules::support::attrs::FileAttrs;
use crate::modules::support::content::{self, ManagedFile, WantedFile};
use crate::modules::support::lines::{Presence, rejoin};
use crate::yaml::Node;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KnownHosts {
    #[serde(alias = "host")]
    #[schemars(extend("x-aliases" = ["host"]))]
    name: String,
    /// A whole line: `HOST TYPE BASE64`.
    key: Option<String>,
    #[serde(default = "default_path")]
    path: String,
    #[serde(default)]
    hash_host: bool,
    #[serde(default)]
    state: Presence,
}

fn default_path() -> String {
    "~/.ssh/known_hosts".into()
}

/// A known_hosts line's parts.
struct KnownHostsLine<'a> {
    hosts: &'a str,
    kind: &'a str,
    key: &'a str,
}

fn entry(line: &str) -> Option<KnownHostsLine<'_>> {
    let mut words = line.split_whitespace();
    let first = words.next()?;
    // `@cert-authority` and `@revoked` lines carry a marker before the hosts.
    let hosts = if first.starts_with('@') { words.next()? } else { first };
    Some(KnownHostsLine { hosts, kind: words.next()?, key: words.next()? })
}

/// Whether an entry's hosts name `host`: in its list, or hashed with its salt.
fn names(hosts: &str, host: &str) -> bool {
    hosts.split(',').any(|h| match h.strip_prefix("|1|").and_then(|h| h.split_once('|')) {
        Some((salt, hash)) => hashed(host, salt).is_some_and(|mine| mine == hash),
        None => h == host,
    })
}

/// `host` hashed as OpenSSH hashes it: HMAC-SHA1 keyed with the salt, both base64.
fn hashed(host: &str, salt: &str) -> Option<String> {
    let engine = base64::engine::general_purpose::STANDARD;
    let salt = engine.decode(salt).ok()?;
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(&salt).ok()?;
    mac.update(host.as_bytes());
    Some(engine.encode(mac.finalize().into_bytes()))
}

impl KnownHosts {
    fn host(&self) -> String {
        self.name.to_lowercase()
    }

    /// The line to write: the key as given, its host hashed with `hash_host`.
    fn line(&self) -> Result<Option<String>, ModuleError> {
        let Some(key) = &self.key else { return Ok(None) };
        let key = key.trim_end().to_string();
        if !self.hash_host {
            return Ok(Some(key));
        }
        let mut salt = [0u8; 20];
        getrandom::fill(&mut salt).map_err(|_| ModuleError::failed("no randomness"))?;
        let engine = base64::engine::general_purpose::STANDARD;
        let salt = engine.encode(salt);
        let hash = hashed(&self.host(), &salt).expect("a salt just encoded");
        let rest = key.split_once(char::is_whitespace).map_or("", |(_, rest)| rest);
        Ok(Some(format!("|1|{salt}|{hash} {rest}")))
    }

    /// The file's text with the key put in or taken out.
    fn edited(&self, text: &str) -> Result<String, ModuleError> {
        let host = self.host();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let new = self.line()?;
        let wanted = new.as_deref().and_then(entry);
        fn ours<'l>(line: &'l str, host: &str) -> Option<KnownHostsLine<'l>> {
            entry(line).filter(|e| names(e.hosts, host))
        }
        match (self.state, &wanted) {
            (Presence::Absent, None) => lines.retain(|l| ours(l, &host).is_none()),
            (Presence::Absent, Some(w)) => {
                if let Some(i) =
                    lines.iter().position(|l| ours(l, &host).is_some_and(|e| e.kind == w.kind))
                {
                    lines.remove(i);
                }
            }
            (Presence::Present, None) => {
                return Err(ModuleError::failed("No key specified when adding a host"));
            }
            (Presence::Present, Some(w)) => {
                let same_kind =
                    lines.iter().position(|l| ours(l, &host).is_some_and(|e| e.kind == w.kind));
                match same_kind.map(|i| (i, entry(&lines[i]).expect("an entry"))) {
                    // Already there: the same line, or hashed both (whatever the salt), as
                    // ansible-core compares them.
                    Some((_, e))
                        if e.key == w.key
                            && (e.hosts == w.hosts
                                || (e.hosts.starts_with("|1|") && w.hosts.starts_with("|1|"))) => {}
                    Some((i, _)) => {
                        lines.remove(i);
                        lines.push(new.clone().expect("a key"));
                    }
                    None => lines.push(new.clone().expect("a key")),
                }
            }
        }
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        Ok(rejoin(text, &refs))
    }
}

impl Action for KnownHosts {
    const NAME: &'static str = "known_hosts";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl ManagedFile for KnownHosts {
    fn attrs(&self) -> FileAttrs {
        FileAttrs::default()
    }

    async fn wanted(&self, host: &HostReader<'_>) -> Result<WantedFile, ModuleError> {
        // `~` is the connection user's home on the host.
        let path = match self.path.strip_prefix("~/") {
            Some(rest) => {
                let home = Probe::script(&scripts::HOME, NO_ARGUMENTS);
                format!("{}/{rest}", host.probe_stdout(home, "$HOME").await?)
            }
            None => self.path.clone(),
        };
        let (stat, before) = content::current(host, &path).await?;
        let text = crate::modules::support::lines::as_text(&path, before.as_deref())?;
        let desired = match (&before, self.state) {
            (None, Presence::Absent) => None,
            _ => Some(self.edited(&text)?.into_bytes()),
        };
        Ok(WantedFile { path, stat, before, desired, make_parents: true })
    }

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        let Some(key) = &self.key else { return Ok(()) };
        let first = key.split_whitespace().next().unwrap_or_default().to_lowercase();
        match first.split(',').any(|h| h == self.host()) {
            true => Ok(()),
            false => Err(Diag::invalid(
                args.get("key").map_or(&args.span, |n| &n.span),
                format!(
                    "Host parameter does not match hashed host field in supplied key: the key's line must start with `{}`",
                    self.name
                ),
            )),
        }
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Adds or removes a host's key in a known_hosts file.",
    check_mode: CheckMode::Predicts,
    diff: true,
    returns: &[],
    example: "- known_hosts: { path: /etc/ssh/ssh_known_hosts, name: git.lan, key: 'git.lan ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl' }",
};
