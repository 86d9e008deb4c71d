//! `apt` (also `package`): Debian packages installed (or upgraded, `latest`), removed (or
//! purged), a `.deb` on the host installed, packages nothing needs removed (`autoremove`). The
//! package cache is refreshed only when something is to be installed and the cache is older than
//! `cache_valid_time`, so a host that already has everything costs one dpkg query; what
//! `latest` and `autoremove` would do is apt's own simulation (`apt-get -s`), which changes
//! nothing.

use async_trait::async_trait;
use serde::Deserialize;

use crate::connection::Command;
use crate::diag::Diag;
use crate::modules::action::Action;
use crate::modules::change_scripts;
use crate::modules::contract::{Change, Check, Module, OneOrMany, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::modules::probe::{Probe, ReadOnlyProgram, scripts};
use crate::yaml::Node;

#[derive(Debug, Deserialize, Default, Clone, Copy, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum State {
    #[default]
    Present,
    Absent,
    Latest,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Package {
    #[serde(alias = "pkg", alias = "package")]
    #[schemars(extend("x-aliases" = ["pkg", "package"]))]
    name: Option<OneOrMany<String>>,
    /// A `.deb` file on the host, installed unless that version is.
    deb: Option<String>,
    /// With `state: absent` (and `autoremove`): configuration files go too.
    #[serde(default)]
    purge: bool,
    /// Packages installed only as dependencies that nothing needs any more are removed.
    #[serde(default)]
    autoremove: bool,
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

impl Package {
    fn names(&self) -> &[String] {
        self.name.as_ref().map_or(&[], OneOrMany::as_slice)
    }

    /// The packages whose installed state is not the wanted one.
    async fn pending(&self, host: &HostReader<'_>) -> Result<Vec<String>, ModuleError> {
        let mut argv =
            vec!["-f".to_string(), "${Package} ${db:Status-Status}\\n".into(), "--".into()];
        argv.extend(self.names().iter().cloned());
        // Unknown packages make dpkg-query exit 1; they are simply not installed.
        let output = host.probe(Probe::program(ReadOnlyProgram::DpkgQuery, argv)).await?;
        if output.rc > 1 {
            return Err(ModuleError::failed(format!("dpkg-query: {}", output.stderr_text())));
        }
        let listed = String::from_utf8_lossy(&output.stdout);
        // A purge also takes what a removal left: a package's configuration files.
        let present =
            |status: &str| status == "installed" || (self.purge && status == "config-files");
        let installed: Vec<&str> = listed
            .lines()
            .filter_map(|l| l.split_once(' '))
            .filter(|(_, status)| present(status))
            .map(|(name, _)| name)
            .collect();
        let is_installed =
            |name: &String| installed.contains(&name.split('=').next().unwrap_or(name));
        Ok(self
            .names()
            .iter()
            .filter(|n| is_installed(n) != (self.state != State::Absent))
            .cloned()
            .collect())
    }

    /// What apt would do, by its own simulation: the packages on its lines starting `verb`
    /// (`Inst`, `Remv`, `Purg`).
    async fn simulated(
        &self,
        host: &HostReader<'_>,
        args: &[&str],
        verbs: &[&str],
    ) -> Result<Vec<String>, ModuleError> {
        let simulate = Probe::program(ReadOnlyProgram::AptGetSimulate, args.iter().copied())
            .env("LC_ALL", "C");
        let output = host.probe_ok(simulate, "apt-get -s").await?;
        Ok(String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|l| l.split_once(' '))
            .filter(|(verb, _)| verbs.contains(verb))
            .filter_map(|(_, rest)| rest.split_whitespace().next().map(str::to_string))
            .collect())
    }

    /// The `.deb` when the version it holds is not the one installed.
    async fn deb_pending(&self, host: &HostReader<'_>) -> Result<Option<String>, ModuleError> {
        let Some(deb) = &self.deb else { return Ok(None) };
        let fields =
            Probe::program(ReadOnlyProgram::DpkgDebFields, [deb.as_str(), "Package", "Version"]);
        let fields = host.probe_stdout(fields, "dpkg-deb -f").await?;
        let field = |name: &str| {
            fields
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|v| v.trim_start_matches(':').trim().to_string())
        };
        let (Some(name), Some(version)) = (field("Package"), field("Version")) else {
            return Err(ModuleError::failed(format!("{deb} is not a Debian package")));
        };
        let query = Probe::program(
            ReadOnlyProgram::DpkgQuery,
            ["-f", "${db:Status-Status} ${Version}", "--", name.as_str()],
        );
        let installed = String::from_utf8_lossy(&host.probe(query).await?.stdout).into_owned();
        let path = if deb.starts_with('/') { deb.clone() } else { format!("./{deb}") };
        Ok((installed.trim() != format!("installed {version}")).then_some(path))
    }

    fn apt_get(&self, verb: &str, packages: &[String]) -> Command {
        // Waits for another apt or dpkg to finish, as ansible-core's apt does (60 s).
        let mut argv = vec![
            "apt-get".to_string(),
            "-q".into(),
            "-y".into(),
            "-o".into(),
            "DPkg::Lock::Timeout=60".into(),
        ];
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

/// What apply does, as the check found it.
#[derive(Debug, Default)]
pub struct AptPlan {
    /// Names (and `.deb` paths) to install or upgrade.
    install: Vec<String>,
    /// Names to remove (or purge).
    remove: Vec<String>,
    autoremove: bool,
}

impl Action for Package {
    const NAME: &'static str = "apt";
    const DOC: &'static ModuleDoc = &APT_DOC;
}

#[async_trait]
impl Module for Package {
    type Plan = AptPlan;

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Self::Plan>, ModuleError> {
        let mut plan = AptPlan::default();
        match self.state {
            State::Absent => plan.remove = self.pending(host).await?,
            State::Present => plan.install = self.pending(host).await?,
            State::Latest if self.names().is_empty() => {}
            State::Latest => {
                let mut args = vec!["install"];
                args.extend(self.names().iter().map(String::as_str));
                plan.install = self.simulated(host, &args, &["Inst"]).await?;
            }
        }
        plan.install.extend(self.deb_pending(host).await?);
        if self.autoremove {
            let args: &[&str] =
                if self.purge { &["autoremove", "--purge"] } else { &["autoremove"] };
            plan.autoremove = !self.simulated(host, args, &["Remv", "Purg"]).await?.is_empty();
        }
        let mut said = Vec::new();
        if !plan.install.is_empty() {
            said.push(format!("install {}", plan.install.join(" ")));
        }
        if !plan.remove.is_empty() {
            let verb = if self.purge { "purge" } else { "remove" };
            said.push(format!("{verb} {}", plan.remove.join(" ")));
        }
        if plan.autoremove {
            said.push("remove what nothing needs".into());
        }
        match said.is_empty() {
            true => Ok(Check::Ok(Outcome::default())),
            false => Ok(Check::Change(Change::new(said.join("; ")), plan)),
        }
    }

    async fn apply(&self, plan: AptPlan, host: &HostWriter<'_>) -> Result<Outcome, ModuleError> {
        if !plan.remove.is_empty() {
            let verb = if self.purge { "purge" } else { "remove" };
            host.run_ok(self.apt_get(verb, &plan.remove), "apt-get remove").await?;
        }
        if !plan.install.is_empty() {
            self.install(&plan.install, host).await?;
        }
        if plan.autoremove {
            let purge = if self.purge { vec!["--purge".to_string()] } else { Vec::new() };
            host.run_ok(self.apt_get("autoremove", &purge), "apt-get autoremove").await?;
        }
        Ok(Outcome::default())
    }

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        let bad = self
            .names()
            .iter()
            .find(|n| n.is_empty() || n.starts_with('-') || n.contains(char::is_whitespace));
        match bad {
            Some(name) => Err(Diag::invalid(&args.span, format!("`{name}` is not a package name"))),
            None if self.names().is_empty() && self.deb.is_none() && !self.autoremove => {
                Err(Diag::invalid(&args.span, "give `name`, `deb` or `autoremove: true`"))
            }
            None => Ok(()),
        }
    }
}

impl Package {
    /// Installs `pending`, refreshing the package lists first when asked and they are stale.
    async fn install(
        &self,
        pending: &[String],
        host: &HostWriter<'_>,
    ) -> Result<crate::connection::Output, ModuleError> {
        if self.update_cache {
            let age = self.cache_valid_time.to_string();
            if host
                .run(
                    Probe::script(&scripts::APT_CACHE_FRESH, [UPDATE_STAMP, age.as_str()])
                        .into_command(),
                )
                .await?
                .rc
                != 0
            {
                host.run_ok(self.apt_get("update", &[]), "apt-get update").await?;
                host.run_ok(change_scripts::TOUCH_STAMP.command([UPDATE_STAMP]), "stamp").await?;
            }
        }
        host.run_ok(self.apt_get("install", pending), "apt-get install").await
    }
}

/// What `numarun doc` says of it.
pub const APT_DOC: ModuleDoc = ModuleDoc {
    summary: "Installs, upgrades or removes Debian packages with apt.",
    check_mode: CheckMode::Predicts,
    diff: false,
    returns: &[],
    example: "- apt: { name: [nginx, curl], state: present, update_cache: true }",
};

/// What `numarun doc` says of it.
pub const PACKAGE_DOC: ModuleDoc = ModuleDoc {
    summary: "Installs or removes packages with the host's package manager (apt).",
    check_mode: CheckMode::Predicts,
    diff: false,
    returns: &[],
    example: "- package: { name: htop, state: present }",
};
