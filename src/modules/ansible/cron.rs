//! `cron`: one named job in a user's crontab (or a /etc/cron.d file), next to whatever else is
//! there. The job is found by its marker comment, so every foreign line survives; the guide's
//! `echo … | crontab -` replaced the whole crontab.

use async_trait::async_trait;
use serde::Deserialize;

use crate::connection::Command;
use crate::diag::Diag;
use crate::modules::contract::{Change, Check, Cx, Diff, Module, ModuleError, Outcome};
use crate::modules::support::attrs::{FileAttrs, Mode};
use crate::modules::support::content::{self, Plan};
use crate::modules::support::lines;
use crate::modules::support::lines::Presence;
use crate::yaml::Node;

#[derive(Debug, Deserialize)]
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
}

fn any() -> String {
    "*".into()
}

impl Cron {
    fn marker(&self) -> String {
        format!("#numarun: {}", self.name)
    }

    fn entry(&self) -> String {
        let when = match &self.special_time {
            Some(special) => format!("@{special}"),
            None => [&self.minute, &self.hour, &self.day, &self.month, &self.weekday].map(String::as_str).join(" "),
        };
        let user = match &self.cron_file {
            Some(_) => format!(" {}", self.user.as_deref().unwrap_or("root")),
            None => String::new(),
        };
        format!("{when}{user} {}", self.job.as_deref().unwrap_or_default())
    }

    /// The crontab with this job once, right after its marker; every other line as it was.
    fn edit(&self, text: &str) -> String {
        let marker = self.marker();
        let entry = self.entry();
        let mut kept: Vec<&str> = Vec::new();
        let mut lines = text.lines();
        let mut placed = self.state == Presence::Absent;
        while let Some(line) = lines.next() {
            if line != marker {
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

    fn cron_file_path(&self) -> Option<String> {
        self.cron_file.as_ref().map(|file| match file.starts_with('/') {
            true => file.clone(),
            false => format!("/etc/cron.d/{file}"),
        })
    }

    async fn file_plan(&self, cx: &Cx<'_>, path: &str) -> Result<Plan, ModuleError> {
        content::edit_plan(cx, path, self.state == Presence::Present, true, |text| Ok(self.edit(text))).await
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
    async fn crontab_edit(&self, cx: &Cx<'_>) -> Result<(String, String), ModuleError> {
        let listed = cx.run(self.crontab(&["-l"])).await?;
        let before = match listed.rc {
            0 => String::from_utf8_lossy(&listed.stdout).into_owned(),
            _ if listed.stderr_text().contains("no crontab for") => String::new(),
            rc => return Err(ModuleError::failed(format!("crontab -l failed (exit {rc}): {}", listed.stderr_text()))),
        };
        let after = self.edit(&before);
        Ok((before, after))
    }

    fn file_attrs() -> FileAttrs {
        FileAttrs { mode: Some(Mode(0o644)), ..FileAttrs::default() }
    }
}

#[async_trait]
impl Module for Cron {
    async fn check(&self, cx: &Cx<'_>) -> Result<Check, ModuleError> {
        if let Some(path) = self.cron_file_path() {
            return content::check_plan(cx, &self.file_plan(cx, &path).await?, &Cron::file_attrs()).await;
        }
        let (before, after) = self.crontab_edit(cx).await?;
        if before == after {
            return Ok(Check::Ok(Outcome::default()));
        }
        let whose = self.user.as_deref().map(|u| format!("{u}'s crontab")).unwrap_or_else(|| "the crontab".into());
        let verb = if self.state == Presence::Present { "set" } else { "remove" };
        Ok(Check::Change(Change {
            summary: format!("{verb} job `{}` in {whose}", self.name),
            diff: Some(Diff { path: whose, before, after }),
        }))
    }

    async fn apply(&self, cx: &Cx<'_>) -> Result<Outcome, ModuleError> {
        if let Some(path) = self.cron_file_path() {
            return content::write_plan(cx, &self.file_plan(cx, &path).await?, &Cron::file_attrs()).await;
        }
        let (before, after) = self.crontab_edit(cx).await?;
        if before != after {
            // crontab installs what it reads from stdin in one rename.
            let mut install = self.crontab(&["-"]);
            install.stdin = Some(after.into_bytes());
            cx.run_ok(install, "crontab -").await?;
        }
        Ok(Outcome::default())
    }

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        if self.state == Presence::Present && self.job.as_deref().is_none_or(str::is_empty) {
            return Err(Diag::invalid(&args.span, "state: present needs `job`"));
        }
        let one_line = [Some(&self.name), self.job.as_ref()].into_iter().flatten().all(|s| !s.contains('\n'));
        if !one_line || self.name.is_empty() {
            return Err(Diag::invalid(&args.span, "`name` and `job` are single, non-empty lines"));
        }
        let fields = [&self.minute, &self.hour, &self.day, &self.month, &self.weekday];
        if fields.iter().any(|f| f.is_empty() || f.contains(char::is_whitespace)) {
            return Err(Diag::invalid(&args.span, "a schedule field cannot be empty or hold spaces"));
        }
        Ok(())
    }
}
