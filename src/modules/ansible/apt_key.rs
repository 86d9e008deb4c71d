//! `apt_key`: an OpenPGP key in APT's keyring (or the `keyring` given), through the host's
//! `apt-key` and `gpg`, as ansible-core's module drives them: a key's id read from the key
//! itself when not given, present when `apt-key adv --list-public-keys` shows its long id (its
//! short one for an 8-digit `id`), added from `data`, `file`, `url` or a `keyserver`, removed by
//! its short id. `apt-key` is deprecated upstream; `deb822_repository`'s `signed_by` is the way
//! on.

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use crate::connection::Command;
use crate::diag::Diag;
use crate::modules::action::Action;
use crate::modules::contract::{Change, Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::modules::probe::{Probe, ReadOnlyProgram};
use crate::modules::support::lines::Presence;
use crate::yaml::Node;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AptKey {
    id: Option<String>,
    data: Option<String>,
    file: Option<String>,
    url: Option<String>,
    keyserver: Option<String>,
    keyring: Option<String>,
    #[serde(default)]
    state: Presence,
    #[serde(default = "yes")]
    validate_certs: bool,
}

fn yes() -> bool {
    true
}

/// A key's id in the three lengths ansible-core uses.
#[derive(Debug, Clone)]
struct KeyId {
    /// The last 8 digits: what `apt-key del` takes.
    short: String,
    /// The last 16: what `--list-public-keys` shows.
    long: String,
    /// All of it: what `--recv` takes.
    full: String,
}

impl KeyId {
    fn parse(id: &str) -> Option<KeyId> {
        let upper = id.to_uppercase();
        let full = upper.strip_prefix("0X").unwrap_or(&upper).to_string();
        let hex = !full.is_empty() && full.chars().all(|c| c.is_ascii_hexdigit());
        if !hex || !(full.len() == 8 || full.len() >= 16) {
            return None;
        }
        let tail = |n: usize| full[full.len().saturating_sub(n)..].to_string();
        Some(KeyId { short: tail(8), long: tail(16), full })
    }
}

/// The key ids of `pub` and `sub` lines that have not expired, as ansible-core reads both
/// `apt-key adv` and `gpg --with-colons` output.
fn key_ids(output: &str) -> Vec<String> {
    output
        .lines()
        .filter(|l| (l.starts_with("pub") || l.starts_with("sub")) && !l.contains("expired"))
        .filter_map(|line| {
            let spaced = line.split_whitespace().nth(1).and_then(|code| code.split_once('/'));
            match spaced {
                Some((_, id)) => Some(id.to_string()),
                None => line.split(':').nth(4).map(str::to_string),
            }
        })
        .collect()
}

/// What apply does, and the ids the result reports.
#[derive(Debug)]
pub struct AptKeyPlan {
    id: KeyId,
    before: Vec<String>,
    /// A key's bytes to add (from `data` or `url`).
    data: Option<Vec<u8>>,
}

impl AptKey {
    fn apt_key(&self, args: &[&str]) -> Command {
        let mut argv = vec!["apt-key"];
        if let Some(keyring) = &self.keyring {
            argv.extend(["--keyring", keyring]);
        }
        argv.extend_from_slice(args);
        Command::argv(argv)
    }

    /// The probe that lists the keyring's keys.
    fn list(&self) -> Probe {
        let keyring = self.keyring.iter().flat_map(|k| ["--keyring".to_string(), k.clone()]);
        Probe::program(ReadOnlyProgram::AptKeyList, keyring)
    }

    /// The key's bytes from `url`, fetched on the host.
    async fn download(&self, host: &HostReader<'_>, url: &str) -> Result<Vec<u8>, ModuleError> {
        let mut args = vec![];
        if !self.validate_certs {
            args.push("-k");
        }
        args.extend(["--", url]);
        let output = host.probe(Probe::program(ReadOnlyProgram::CurlDownload, args)).await?;
        if output.rc != 0 {
            return Err(ModuleError::failed(format!(
                "Failed to download key at {url}: {}",
                output.stderr_text().trim()
            )));
        }
        Ok(output.stdout)
    }

    /// The key's id, as given or read from the key with gpg.
    async fn key_id(
        &self,
        host: &HostReader<'_>,
        data: Option<&[u8]>,
    ) -> Result<KeyId, ModuleError> {
        let id = match (&self.id, data, &self.file) {
            (Some(id), _, _) => id.clone(),
            (None, Some(bytes), _) => {
                let read =
                    Probe::program(ReadOnlyProgram::GpgShowKeys, ["-"]).stdin(bytes.to_vec());
                gpg_first_key(host, read, "inline data").await?
            }
            (None, None, Some(file)) => {
                let read = Probe::program(ReadOnlyProgram::GpgShowKeys, [file.as_str()]);
                gpg_first_key(host, read, file).await?
            }
            (None, None, None) => return Err(ModuleError::failed("Invalid key_id")),
        };
        KeyId::parse(&id).ok_or_else(|| ModuleError::failed(format!("Invalid key_id: {id}")))
    }

    fn outcome(&self, id: &KeyId, before: &[String], after: Option<&[String]>) -> Outcome {
        let list = |ids: &[String]| {
            Value::from(ids.iter().map(|s| Value::from(s.clone())).collect::<Vec<_>>())
        };
        let mut data = vec![
            ("id".into(), Value::from(self.id.clone().unwrap_or_else(|| id.full.clone()))),
            ("short_id".into(), Value::from(id.short.clone())),
            ("fp".into(), Value::from(id.long.clone())),
            ("key_id".into(), Value::from(id.full.clone())),
            ("before".into(), list(before)),
        ];
        if let Some(after) = after {
            data.push(("after".into(), list(after)));
        }
        Outcome { data, ..Outcome::default() }
    }
}

async fn gpg_first_key(
    host: &HostReader<'_>,
    probe: Probe,
    what: &str,
) -> Result<String, ModuleError> {
    let output = host.probe(probe).await?;
    if output.rc != 0 {
        return Err(ModuleError::failed(format!(
            "Unable to extract key from '{what}': {}",
            output.stderr_text().trim()
        )));
    }
    key_ids(&String::from_utf8_lossy(&output.stdout))
        .into_iter()
        .next()
        .ok_or_else(|| ModuleError::failed(format!("Unable to extract key from '{what}'")))
}

/// The keys a listing shows, long ids (short ones when `short`).
fn listed(output: crate::connection::Output, short: bool) -> Result<Vec<String>, ModuleError> {
    if output.rc != 0 {
        return Err(ModuleError::failed(format!(
            "Unable to list public keys: {}",
            output.stderr_text().trim()
        )));
    }
    let ids = key_ids(&String::from_utf8_lossy(&output.stdout));
    Ok(ids
        .into_iter()
        .map(|id| if short { id[id.len().saturating_sub(8)..].to_string() } else { id })
        .collect())
}

impl Action for AptKey {
    const NAME: &'static str = "apt_key";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for AptKey {
    type Plan = AptKeyPlan;

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<AptKeyPlan>, ModuleError> {
        let data = match (&self.data, &self.url, &self.id) {
            (Some(data), _, _) => Some(data.clone().into_bytes()),
            (None, Some(url), _) => Some(self.download(host, url).await?),
            _ => None,
        };
        let id = self.key_id(host, data.as_deref()).await?;
        let short = id.full.len() == 8;
        // gpg makes a keyring it is asked to list: a missing one holds no key, and a check
        // writes nothing.
        let before = match &self.keyring {
            Some(keyring) if host.stat(keyring).await?.is_none() => Vec::new(),
            _ => listed(host.probe(self.list()).await?, short)?,
        };
        let present = before.contains(if short { &id.short } else { &id.long });
        let summary = match (self.state, present) {
            (Presence::Present, false) => format!("add key {}", id.long),
            (Presence::Absent, true) => format!("remove key {}", id.long),
            _ => return Ok(Check::Ok(self.outcome(&id, &before, None))),
        };
        Ok(Check::Change(Change::new(summary), AptKeyPlan { id, before, data }))
    }

    async fn apply(&self, plan: AptKeyPlan, host: &HostWriter<'_>) -> Result<Outcome, ModuleError> {
        let AptKeyPlan { id, before, data } = plan;
        let (command, what) = match (self.state, &data, &self.file, &self.keyserver) {
            (Presence::Absent, ..) => (self.apt_key(&["del", &id.short]), "remove the key"),
            (_, Some(bytes), _, _) => {
                let mut add = self.apt_key(&["add", "-"]);
                add.stdin = Some(bytes.clone());
                (add, "add the key")
            }
            (_, None, Some(file), _) => (self.apt_key(&["add", file]), "add the key"),
            (_, None, None, Some(server)) => {
                let recv = ["adv", "--no-tty", "--keyserver", server, "--recv", &id.full];
                (self.apt_key(&recv), "fetch the key")
            }
            _ => {
                return Err(ModuleError::failed(
                    "No key to add: give data, file, url or keyserver",
                ));
            }
        };
        let output = host.run(command).await?;
        if output.rc != 0 {
            return Err(ModuleError::failed(format!(
                "Unable to {what}: {}",
                output.stderr_text().trim()
            )));
        }
        let short = id.full.len() == 8;
        let after = listed(host.run(self.list().into_command()).await?, short)?;
        let present = after.contains(if short { &id.short } else { &id.long });
        if present != (self.state == Presence::Present) {
            return Err(ModuleError::failed(format!(
                "apt-key did not return an error, but failed to {what} (check that the id is \
                 correct and *not* a subkey)"
            )));
        }
        Ok(self.outcome(&id, &before, Some(&after)))
    }

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        let sources = [&self.data, &self.file, &self.keyserver, &self.url];
        if sources.iter().filter(|s| s.is_some()).count() > 1 {
            return Err(Diag::invalid(
                &args.span,
                "parameters are mutually exclusive: data|file|keyserver|url",
            ));
        }
        if self.keyserver.is_some() && self.id.is_none() {
            return Err(Diag::invalid(&args.span, "Missing key_id, required with keyserver."));
        }
        if self.state == Presence::Absent
            && self.id.is_none()
            && self.data.is_none()
            && self.file.is_none()
            && self.url.is_none()
        {
            return Err(Diag::invalid(&args.span, "key is required to remove a key: give `id`"));
        }
        Ok(())
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Adds or removes an OpenPGP key in apt's keyring (from a file, inline data or a URL).",
    check_mode: CheckMode::Predicts,
    diff: false,
    returns: &[
        ("fp", "the key's fingerprint"),
        ("id", "its id"),
        ("key_id", "its long id"),
        ("short_id", "its short id"),
        ("before", "the keyring's keys before"),
        ("after", "and after"),
    ],
    example: "- apt_key: { file: /usr/share/keyrings/example.asc, state: present }",
};
