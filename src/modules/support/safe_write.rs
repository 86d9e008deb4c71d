//! What a file module may ask before it replaces a file, as Ansible's do: `validate` (a
//! command that must accept the new content, written beside the file first, `%s` its path)
//! and `backup` (the old file kept beside it as `NAME.PID.DATE@TIME~`, its name in the
//! result's `backup_file`).

use minijinja::Value;

use crate::connection::{Attrs, Command};
use crate::diag::{Diag, Span};
use crate::modules::change_scripts;
use crate::modules::error::ModuleError;
use crate::modules::host_writer::HostWriter;

/// A file module's `backup` and `validate`.
#[derive(Debug, Clone)]
pub struct Safety {
    pub backup: bool,
    pub validate: Option<String>,
    /// Where the result names the backup: `backup_file`, or `lineinfile`'s `backup`.
    pub backup_key: &'static str,
}

impl Default for Safety {
    fn default() -> Self {
        Safety { backup: false, validate: None, backup_key: "backup_file" }
    }
}

impl Safety {
    /// `backup` and `validate` as most file modules report them.
    pub fn new(backup: bool, validate: Option<String>) -> Safety {
        Safety { backup, validate, ..Safety::default() }
    }
}

impl Safety {
    /// Refuses a `validate` without `%s`, which would check nothing of the new file.
    pub fn check_arguments(&self, span: &Span) -> Result<(), Diag> {
        match &self.validate {
            Some(command) if !command.contains("%s") => Err(Diag::invalid(
                span,
                format!("validate must contain %s, where the new file's path goes: `{command}`"),
            )),
            _ => Ok(()),
        }
    }

    /// Runs the validation on the new content, written to a hidden file beside `path`; its
    /// failure leaves `path` untouched.
    pub async fn validate(
        &self,
        host: &HostWriter<'_>,
        path: &str,
        content: &[u8],
        attrs: Attrs,
    ) -> Result<(), ModuleError> {
        let Some(command) = &self.validate else { return Ok(()) };
        let (dir, name) = path.rsplit_once('/').unwrap_or((".", path));
        let candidate =
            format!("{}/.{name}.numarun-validate", if dir.is_empty() { "/" } else { dir });
        host.write(&candidate, content, attrs).await?;
        let script = command.replace("%s", &crate::connection::shell_words::quote(&candidate));
        let output = host.run(Command::argv(["/bin/sh", "-c", &script])).await;
        host.remove(&candidate).await?;
        let output = output?;
        match output.rc {
            0 => Ok(()),
            rc => Err(ModuleError::failed(format!(
                "failed to validate (`{command}` exited {rc}): {}",
                output.stderr_text().trim()
            ))),
        }
    }

    /// Keeps a copy of the file as it is, before it is replaced; the copy's path for the
    /// result.
    pub async fn back_up(
        &self,
        host: &HostWriter<'_>,
        path: &str,
        existed: bool,
    ) -> Result<Option<(String, Value)>, ModuleError> {
        if !self.backup || !existed {
            return Ok(None);
        }
        let backup = host.stdout_of(change_scripts::BACKUP.command([path]), "backup").await?;
        Ok(Some((self.backup_key.into(), Value::from(backup))))
    }
}
