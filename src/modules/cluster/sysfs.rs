//! `sysfs`: a kernel setting under /sys, live: the CPU governor of every CPU
//! (`/sys/devices/system/cpu/cpu*/cpufreq/scaling_governor`), transparent huge pages
//! (`/sys/kernel/mm/transparent_hugepage/enabled`). The path may hold a `*`: each file it names
//! is set. A file that offers choices shows the current one in brackets (`always [madvise]
//! never`); that one is compared. Where no file matches (a VM without cpufreq), the step fails,
//! or with `missing: skip` says so and registers `present: false`: a run never claims a setting
//! the host does not have. What survives a reboot is another step's (a tmpfiles.d entry).

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use crate::modules::action::Action;
use crate::modules::change_scripts;
use crate::modules::contract::{Change, Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::modules::probe::{Probe, scripts};

#[derive(Debug, Deserialize, Default, Clone, Copy, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Missing {
    /// No file at the path is an error.
    #[default]
    Fail,
    /// No file at the path is reported, not failed.
    Skip,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sysfs {
    /// The file, or a pattern with `*` naming several.
    path: String,
    value: String,
    #[serde(default)]
    missing: Missing,
}

/// The setting a file shows: the bracketed choice if it offers several, else its text.
fn current(text: &str) -> &str {
    let text = text.trim();
    match (text.find('['), text.find(']')) {
        (Some(open), Some(close)) if open < close => &text[open + 1..close],
        _ => text,
    }
}

impl Sysfs {
    /// The files the path names on the host.
    async fn files(&self, host: &HostReader<'_>) -> Result<Vec<String>, ModuleError> {
        if !self.path.contains('*') {
            return Ok(match host.stat(&self.path).await? {
                Some(_) => vec![self.path.clone()],
                None => Vec::new(),
            });
        }
        let expand = Probe::script(&scripts::SYSFS_EXPAND, [self.path.as_str()]);
        let listed = host.probe_stdout(expand, &format!("expanding {}", self.path)).await?;
        Ok(listed.lines().map(str::to_string).collect())
    }
}

impl Action for Sysfs {
    const NAME: &'static str = "sysfs";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for Sysfs {
    /// The files to write.
    type Plan = Vec<String>;

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Vec<String>>, ModuleError> {
        let files = self.files(host).await?;
        if files.is_empty() {
            let missing = format!("this host has no {}", self.path);
            return match self.missing {
                Missing::Fail => Err(ModuleError::failed(missing)),
                Missing::Skip => Ok(Check::Ok(Outcome {
                    msg: Some(format!("{missing}: not set")),
                    data: vec![("present".into(), Value::from(false))],
                    ..Outcome::default()
                })),
            };
        }
        let mut differ = Vec::new();
        let mut summary = Vec::new();
        for file in files.iter() {
            let text = host.read(file).await?.unwrap_or_default();
            let text = String::from_utf8_lossy(&text);
            let now = current(&text);
            if now != self.value {
                summary.push(format!("{file} {now} → {}", self.value));
                differ.push(file.clone());
            }
        }
        let present = ("present".to_string(), Value::from(true));
        let count = ("files".to_string(), Value::from(files.len()));
        if differ.is_empty() {
            let msg = format!("{} is {} ({} files)", self.path, self.value, files.len());
            return Ok(Check::Ok(Outcome {
                msg: Some(msg),
                data: vec![present, count],
                ..Outcome::default()
            }));
        }
        Ok(Check::Change(Change::new(summary.join(", ")), differ))
    }

    async fn apply(
        &self,
        files: Vec<String>,
        host: &HostWriter<'_>,
    ) -> Result<Outcome, ModuleError> {
        for file in &files {
            // The value goes on stdin, as sysctl's does.
            let mut command = change_scripts::WRITE_STDIN.command([file.as_str()]);
            command.stdin = Some(format!("{}\n", self.value).into_bytes());
            host.run_ok(command, &format!("setting {file}")).await?;
        }
        let data =
            vec![("present".into(), Value::from(true)), ("files".into(), Value::from(files.len()))];
        Ok(Outcome { data, ..Outcome::default() })
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Writes a value to sysfs files (a glob), live.",
    check_mode: CheckMode::Predicts,
    diff: false,
    returns: &[("files", "the files and what they held"), ("present", "whether any matched")],
    example: "- sysfs: { path: /sys/kernel/mm/transparent_hugepage/enabled, value: always }",
};

#[cfg(test)]
mod tests {
    use super::current;

    #[test]
    fn the_current_choice_is_the_bracketed_one() {
        assert_eq!(current("always [madvise] never\n"), "madvise");
        assert_eq!(current("performance\n"), "performance");
        assert_eq!(current("[always] defer defer+madvise madvise never"), "always");
    }
}
