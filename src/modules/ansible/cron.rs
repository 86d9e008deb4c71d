//! `cron`: one named job (or, with `env`, one variable) in a user's crontab or a /etc/cron.d
//! file, next to whatever else is there. A job is found by its marker comment, `#Ansible: NAME`
//! as ansible-core writes it (so a crontab Ansible managed is taken over, not doubled; numarun's
//! older `#numarun: NAME` is recognised and rewritten), and every foreign line survives; the
//! guide's `echo … | crontab -` replaced the whole crontab.

use async_trait::async_trait;
use serde::Deserialize;

use crate::connection::Command;
use crate::diag::Diag;
use crate::events::TextDiff;
use crate::modules::action::Action;
use crate::modules::contract::{Change, Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::modules::probe::{Probe, ReadOnlyProgram};
use crate::modules::support::attrs::{FileAttrs, Mode};
use crate::modules::support::content::{self, FileWrite, WantedFile};
use crate::modules::support::lines;
use crate::modules::support::lines::Presence;
use crate::yaml::Node;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cron {
    name: String,
    job: Option<String>,
    #[serde(default = "any")]
    minute: String,
    #[serde(default = "any")]
    hour: String,
    #[serde(default = "any")]
    day: String,
    #[serde(default = "any")]
    month: String,
    #[serde(default = "any")]
    weekday: String,
    /// `reboot`, `hourly`, `daily`, … instead of the five fields.
    special_time: Option<String>,
    /// Whose crontab; the login user's when unset. In a cron.d file, the user the job runs as.
    user: Option<String>,
    /// A file under /etc/cron.d (a bare name) instead of a user's crontab.
    cron_file: Option<String>,
    #[serde(default)]
    state: Presence,
    /// The job is kept, commented out.
    #[serde(default)]
    disabled: bool,
    /// `name=job` is an environment variable of the crontab, not a job.
    #[serde(default)]
    env: bool,
    /// With `env`: the variable goes after (or before) this one; the top by default.
    insertafter: Option<String>,
    insertbefore: Option<String>,
}

/// The marker ansible-core writes above a job, and numarun's before it wrote the same.
const MARKER: &str = "#Ansible: ";
const OLD_MARKER: &str = "#numarun: ";

fn any() -> String {
    "*".into()
}

impl Cron {
    fn marker(&self) -> String {
        format!("{MARKER}{}", self.name)
    }

    fn is_marker(&self, line: &str) -> bool {
        [MARKER, OLD_MARKER].iter().any(|m| line.strip_prefix(m) == Some(self.name.as_str()))
    }

    fn entry(&self) -> String {
        let when = match &self.special_time {
            Some(special) => format!("@{special}"),
            None => [&self.minute, &self.hour, &self.day, &self.month, &self.weekday]
                .map(String::as_str)
                .join(" "),
        };
        let user = match &self.cron_file {
            Some(_) => format!(" {}", self.user.as_deref().unwrap_or("root")),
            None => String::new(),
        };
        let disabled = if self.disabled { "#" } else { "" };
        format!("{disabled}{when}{user} {}", self.job.as_deref().unwrap_or_default())
    }

    /// The crontab with this job (or variable) once; every other line as it was.
    fn edit(&self, text: &str) -> String {
        if self.env {
            return self.edit_env(text);
        }
        let marker = self.marker();
        let entry = self.entry();
        let mut kept: Vec<&str> = Vec::new();
        let mut lines = text.lines();
        let mut placed = self.state == Presence::Absent;
        while let Some(line) = lines.next() {
            if !self.is_marker(line) {
                kept.push(line);
                continue;
            }
            lines.next(); // the job line the marker names
            if !placed {
                kept.extend([marker.as_str(), entry.as_str()]);
                placed = true;
            }
        }
        if !placed {
            kept.extend([marker.as_str(), entry.as_str()]);
        }
        lines::rejoin(text, &kept)
    }

    /// The crontab with `name=job` once: replaced where it is, or put after `insertafter`,
    /// before `insertbefore`, or at the top, as ansible-core places it.
    fn edit_env(&self, text: &str) -> String {
        let declares =
            |line: &str, name: &str| line.split_once('=').is_some_and(|(n, _)| n.trim() == name);
        // Quoted, as ansible-core writes it.
        let declaration = format!("{}=\"{}\"", self.name, self.job.as_deref().unwrap_or_default());
        let mut kept: Vec<&str> = text.lines().collect();
        let at = kept.iter().position(|l| declares(l, &self.name));
        match (self.state, at) {
            (Presence::Absent, Some(i)) => {
                kept.remove(i);
            }
            (Presence::Absent, None) => {}
            (Presence::Present, Some(i)) => kept[i] = declaration.as_str(),
            (Presence::Present, None) => {
                let after = self
                    .insertafter
                    .as_deref()
                    .and_then(|n| kept.iter().position(|l| declares(l, n)));
                let before = self
                    .insertbefore
                    .as_deref()
                    .and_then(|n| kept.iter().position(|l| declares(l, n)));
                let i = after.map(|i| i + 1).or(before).unwrap_or(0);
                kept.insert(i, declaration.as_str());
            }
        }
        lines::rejoin(text, &kept)
    }

    fn cron_file_path(&self) -> Option<String> {
        self.cron_file.as_ref().map(|file| match file.starts_with('/') {
            true => file.clone(),
            false => format!("/etc/cron.d/{file}"),
        })
    }

    async fn file_wanted(
        &self,
        host: &HostReader<'_>,
        path: &str,
    ) -> Result<WantedFile, ModuleError> {
        content::edit(host, path, self.state == Presence::Present, true, |text| Ok(self.edit(text)))
            .await
    }

    fn crontab(&self, args: &[&str]) -> Command {
        let mut argv = vec!["crontab"];
        if let Some(user) = &self.user {
            argv.extend(["-u", user.as_str()]);
        }
        argv.extend_from_slice(args);
        Command::argv(argv)
    }

    /// The user's crontab now, and with this job.
    async fn crontab_edit(&self, host: &HostReader<'_>) -> Result<(String, String), ModuleError> {
        let user = self.user.iter().flat_map(|u| ["-u".to_string(), u.clone()]);
        let listed = host.probe(Probe::program(ReadOnlyProgram::CrontabList, user)).await?;
        let before = match listed.rc {
            0 => String::from_utf8_lossy(&listed.stdout).into_owned(),
            _ if listed.stderr_text().contains("no crontab for") => String::new(),
            rc => {
                return Err(ModuleError::failed(format!(
                    "crontab -l failed (exit {rc}): {}",
                    listed.stderr_text()
                )));
            }
        };
        let after = self.edit(&before);
        Ok((before, after))
    }

    fn file_attrs() -> FileAttrs {
        FileAttrs { mode: Some(Mode::Bits(0o644)), ..FileAttrs::default() }
    }
}

/// What apply does: a file under /etc/cron.d, or the user's whole crontab as check edited it.
#[derive(Debug)]
pub enum CronWrite {
    File(FileWrite),
    Crontab(String),
}

impl Action for Cron {
    const NAME: &'static str = "cron";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for Cron {
    type Plan = CronWrite;

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Self::Plan>, ModuleError> {
        if let Some(path) = self.cron_file_path() {
            let wanted = self.file_wanted(host, &path).await?;
            return Ok(content::check(host, &wanted, &Cron::file_attrs())
                .await?
                .map_plan(CronWrite::File));
        }
        let (before, after) = self.crontab_edit(host).await?;
        if before == after {
            return Ok(Check::Ok(Outcome::default()));
        }
        let whose = self
            .user
            .as_deref()
            .map(|u| format!("{u}'s crontab"))
            .unwrap_or_else(|| "the crontab".into());
        let verb = if self.state == Presence::Present { "set" } else { "remove" };
        let change = Change {
            summary: format!("{verb} job `{}` in {whose}", self.name),
            diff: Some(TextDiff { path: whose, before, after: after.clone() }),
        };
        Ok(Check::Change(change, CronWrite::Crontab(after)))
    }

    async fn apply(&self, plan: Self::Plan, host: &HostWriter<'_>) -> Result<Outcome, ModuleError> {
        match plan {
            CronWrite::File(write) => {
                content::write(host, write).await?;
            }
            CronWrite::Crontab(after) => {
                // crontab installs what it reads from stdin in one rename.
                let mut install = self.crontab(&["-"]);
                install.stdin = Some(after.into_bytes());
                host.run_ok(install, "crontab -").await?;
            }
        }
        Ok(Outcome::default())
    }

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        if (self.insertafter.is_some() || self.insertbefore.is_some()) && !self.env {
            return Err(Diag::invalid(
                &args.span,
                "Insertafter and insertbefore parameters are valid only with env=yes",
            ));
        }
        if self.state == Presence::Present && self.job.as_deref().is_none_or(str::is_empty) {
            return Err(Diag::invalid(&args.span, "state: present needs `job`"));
        }
        let one_line =
            [Some(&self.name), self.job.as_ref()].into_iter().flatten().all(|s| !s.contains('\n'));
        if !one_line || self.name.is_empty() {
            return Err(Diag::invalid(&args.span, "`name` and `job` are single, non-empty lines"));
        }
        let fields = [&self.minute, &self.hour, &self.day, &self.month, &self.weekday];
        if fields.iter().any(|f| f.is_empty() || f.contains(char::is_whitespace)) {
            return Err(Diag::invalid(
                &args.span,
                "a schedule field cannot be empty or hold spaces",
            ));
        }
        Ok(())
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Keeps a named job (or variable) in a crontab or a cron.d file.",
    check_mode: CheckMode::Predicts,
    diff: true,
    returns: &[],
    example: "- cron: { name: backup, minute: '0', hour: '3', job: /usr/local/bin/backup }",
};
