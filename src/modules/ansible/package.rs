//! `apt` (also `package`): Debian packages installed or removed. The package cache is refreshed
//! only when something is to be installed and the cache is older than `cache_valid_time`, so a
//! host that already has everything costs one dpkg query.

use async_trait::async_trait;
use serde::Deserialize;

use crate::connection::Command;
use crate::diag::Diag;
use crate::modules::contract::{Change, Check, Module, OneOrMany, Outcome};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::yaml::Node;

#[derive(Debug, Deserialize, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum State {
    #[default]
    Present,
    Absent,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Package {
    #[serde(alias = "pkg")]
    name: OneOrMany<String>,
    #[serde(default)]
    state: State,
    /// Refresh the package lists before installing (only when something is installed).
    #[serde(default)]
    update_cache: bool,
    /// Lists younger than this many seconds are fresh enough.
    #[serde(default = "an_hour")]
    cache_valid_time: u64,
    /// apt's own default (recommends installed) unless set.
    install_recommends: Option<bool>,
}

fn an_hour() -> u64 {
    3600
}

/// Stamped after every successful update (APT::Periodic writes the same file).
const UPDATE_STAMP: &str = "/var/lib/apt/periodic/update-success-stamp";

/// Package lists exist and were updated within `$2` seconds of now (stamp `$1`).
const CACHE_IS_FRESH: &str = r#"ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1 && test -n "$(find "$1" -newermt "-$2 seconds" 2>/dev/null)""#;

impl Package {
    fn names(&self) -> &[String] {
        self.name.as_slice()
    }

    /// The packages whose installed state is not the wanted one.
    async fn pending(&self, host: &HostReader<'_>) -> Result<Vec<String>, ModuleError> {
        let mut argv = vec![
            "dpkg-query".to_string(),
            "-W".into(),
            "-f".into(),
            "${Package} ${db:Status-Status}\\n".into(),
            "--".into(),
        ];
        argv.extend(self.names().iter().cloned());
        // Unknown packages make dpkg-query exit 1; they are simply not installed.
        let output = host.probe(Command::argv(argv)).await?;
        if output.rc > 1 {
            return Err(ModuleError::failed(format!("dpkg-query: {}", output.stderr_text())));
        }
        let listed = String::from_utf8_lossy(&output.stdout);
        let installed: Vec<&str> = listed
            .lines()
            .filter_map(|l| l.split_once(' '))
            .filter(|(_, status)| *status == "installed")
            .map(|(name, _)| name)
            .collect();
        let is_installed =
            |name: &String| installed.contains(&name.split('=').next().unwrap_or(name));
        Ok(self
            .names()
            .iter()
            .filter(|n| is_installed(n) != (self.state == State::Present))
            .cloned()
            .collect())
    }

    fn apt_get(&self, verb: &str, packages: &[String]) -> Command {
        let mut argv = vec!["apt-get".to_string(), "-q".into(), "-y".into()];
        match self.install_recommends {
            Some(true) => argv.push("--install-recommends".into()),
            Some(false) => argv.push("--no-install-recommends".into()),
            None => {}
        }
        argv.push(verb.into());
        argv.extend(packages.iter().cloned());
        let mut command = Command::argv(argv);
        command.env.push(("DEBIAN_FRONTEND".into(), "noninteractive".into()));
        command
    }
}

#[async_trait]
impl Module for Package {
    /// The packages whose state is not the wanted one.
    type Plan = Vec<String>;

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Self::Plan>, ModuleError> {
        let pending = self.pending(host).await?;
        if pending.is_empty() {
            return Ok(Check::Ok(Outcome::default()));
        }
        let verb = if self.state == State::Present { "install" } else { "remove" };
        Ok(Check::Change(Change::new(format!("{verb} {}", pending.join(" "))), pending))
    }

    async fn apply(
        &self,
        pending: Vec<String>,
        host: &HostWriter<'_>,
    ) -> Result<Outcome, ModuleError> {
        if self.state == State::Absent {
            host.run_ok(self.apt_get("remove", &pending), "apt-get remove").await?;
            return Ok(Outcome::default());
        }
        if self.update_cache {
            let age = self.cache_valid_time.to_string();
            if host
                .run(Command::argv([
                    "/bin/sh",
                    "-c",
                    CACHE_IS_FRESH,
                    "sh",
                    UPDATE_STAMP,
                    age.as_str(),
                ]))
                .await?
                .rc
                != 0
            {
                host.run_ok(self.apt_get("update", &[]), "apt-get update").await?;
                host.run_ok(
                    Command::argv([
                        "sh",
                        "-c",
                        "mkdir -p \"${1%/*}\" && touch \"$1\"",
                        "sh",
                        UPDATE_STAMP,
                    ]),
                    "stamp",
                )
                .await?;
            }
        }
        host.run_ok(self.apt_get("install", &pending), "apt-get install").await?;
        Ok(Outcome::default())
    }

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        let bad = self
            .names()
            .iter()
            .find(|n| n.is_empty() || n.starts_with('-') || n.contains(char::is_whitespace));
        match bad {
            Some(name) => Err(Diag::invalid(&args.span, format!("`{name}` is not a package name"))),
            None if self.names().is_empty() => {
                Err(Diag::invalid(&args.span, "`name` lists no package"))
            }
            None => Ok(()),
        }
    }
}
