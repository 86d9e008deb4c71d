//! The one home of "this path should hold these bytes with these attributes",
//! shared by copy, template, lineinfile, blockinfile, sysctl, cron and mount.
//!
//! A check reads the file into a `WantedFile` (what is there, what should be), decides, and hands
//! apply a `FileWrite`: the bytes, the attributes already resolved, and whether a folder must be
//! made first. Apply writes it without reading the file again.

use async_trait::async_trait;

use crate::connection::{Attrs, FileKind, PlannedRead, Stat};
use crate::diag::Diag;
use crate::events::TextDiff;
use crate::modules::contract::{Change, Check, Module, Outcome};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::modules::support::attrs::{FileAttrs, differences, keep_existing};
use crate::modules::support::safe_write::Safety;
use crate::yaml::Node;

/// What a file module wants: the bytes `path` should hold, beside what it holds now.
pub struct WantedFile {
    pub path: String,
    /// What is there now, if anything.
    pub stat: Option<Stat>,
    pub before: Option<Vec<u8>>,
    /// `None`: leave the file as it is (absent and meant to be, or not forced).
    pub desired: Option<Vec<u8>>,
    /// Make missing parent folders (lineinfile and blockinfile with `create`, as in Ansible).
    pub make_parents: bool,
}

/// What apply writes: decided by the check, carried out as is.
#[derive(Debug)]
pub struct FileWrite {
    path: String,
    content: Vec<u8>,
    /// The attributes to give it, the replaced file's kept where none are asked for.
    attrs: Attrs,
    /// A missing folder to make first.
    make_dir: Option<String>,
    /// `validate` and `backup`, and whether there is a file to back up.
    safety: Safety,
    existed: bool,
}

/// A module whose whole job is the content and attributes of one file.
#[async_trait]
pub trait ManagedFile: Send + Sync + std::fmt::Debug + 'static {
    fn attrs(&self) -> FileAttrs;
    async fn wanted(&self, host: &HostReader<'_>) -> Result<WantedFile, ModuleError>;
    /// The file, when it is known before `wanted` reads.
    fn managed_path(&self) -> Option<&str> {
        None
    }
    /// `backup` and `validate`, for the modules that take them.
    fn safety(&self) -> Safety {
        Safety::default()
    }
    fn validate(&self, _args: &Node) -> Result<(), Diag> {
        Ok(())
    }
}

/// A file whose text a module edits in place, by lines (`lineinfile`, `blockinfile`): the file
/// module is then only its edit.
pub trait EditedInPlace: Send + Sync + std::fmt::Debug + 'static {
    /// The file.
    fn path(&self) -> &str;
    /// Whether what the edit puts in should be there (`state: present`).
    fn present(&self) -> bool;
    /// Whether a missing file is made (`create: true`).
    fn create(&self) -> bool;
    /// Mode and owner to give it.
    fn file_attrs(&self) -> FileAttrs;
    /// The file's text with the edit made.
    fn edit(&self, text: &str) -> Result<String, ModuleError>;
    /// `backup` and `validate`.
    fn safety(&self) -> Safety {
        Safety::default()
    }
    /// Rules across arguments.
    fn validate(&self, _args: &Node) -> Result<(), Diag> {
        Ok(())
    }
}

#[async_trait]
impl<T: EditedInPlace> ManagedFile for T {
    fn managed_path(&self) -> Option<&str> {
        Some(self.path())
    }

    fn attrs(&self) -> FileAttrs {
        self.file_attrs()
    }

    async fn wanted(&self, host: &HostReader<'_>) -> Result<WantedFile, ModuleError> {
        edit(host, self.path(), self.present(), self.create(), |text| self.edit(text)).await
    }

    fn safety(&self) -> Safety {
        EditedInPlace::safety(self)
    }

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        EditedInPlace::safety(self).check_arguments(&args.span)?;
        EditedInPlace::validate(self, args)
    }
}

impl FileWrite {
    /// The same write, backed up and validated as `safety` says.
    pub fn with_safety(self, safety: Safety) -> FileWrite {
        FileWrite { safety, ..self }
    }
}

/// What a managed file's check reads: its attributes' account files, the file, its folder.
pub fn planned_reads(attrs: &FileAttrs, path: Option<&str>) -> Vec<PlannedRead> {
    let mut reads = attrs.planned_reads();
    if let Some(path) = path {
        reads.push(PlannedRead { path: path.to_string(), content: true });
        // A missing file's folder is read too.
        if let Some(dir) = parent_dir(path) {
            reads.push(PlannedRead { path: dir, content: false });
        }
    }
    reads
}

#[async_trait]
impl<T: ManagedFile> Module for T {
    type Plan = FileWrite;

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<FileWrite>, ModuleError> {
        let check = check(host, &self.wanted(host).await?, &self.attrs()).await?;
        Ok(check.map_plan(|plan| plan.with_safety(self.safety())))
    }

    async fn apply(&self, plan: FileWrite, host: &HostWriter<'_>) -> Result<Outcome, ModuleError> {
        let backup = write(host, plan).await?;
        Ok(Outcome { data: backup.into_iter().collect(), ..Outcome::default() })
    }

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        self.safety().check_arguments(&args.span)?;
        ManagedFile::validate(self, args)
    }

    fn planned_reads(&self) -> Vec<PlannedRead> {
        planned_reads(&self.attrs(), self.managed_path())
    }
}

/// The folder a file is in, unless the path names none.
fn parent_dir(path: &str) -> Option<String> {
    std::path::Path::new(path).parent().map(|p| p.display().to_string()).filter(|p| !p.is_empty())
}

/// What a managed file is now, with its bytes (read in one round trip).
pub async fn current(
    host: &HostReader<'_>,
    path: &str,
) -> Result<(Option<Stat>, Option<Vec<u8>>), ModuleError> {
    match host.inspect(path).await? {
        Some((stat, _)) if stat.kind == FileKind::Directory => {
            Err(ModuleError::failed(format!("{path} is a directory")))
        }
        Some((stat, content)) => Ok((Some(stat), content)),
        None => Ok((None, None)),
    }
}

/// For modules that edit text in place: read the file, edit it, say what to write.
/// A missing file is an error when it should exist unless `create` is set.
pub async fn edit(
    host: &HostReader<'_>,
    path: &str,
    present: bool,
    create: bool,
    edit: impl FnOnce(&str) -> Result<String, ModuleError>,
) -> Result<WantedFile, ModuleError> {
    let (stat, before) = current(host, path).await?;
    let desired = match (&before, present) {
        (None, false) => None,
        // Often an earlier step makes it (a config file its package or initdb writes): a dry run
        // cannot know, a real run fails.
        (None, true) if !create => {
            return Err(ModuleError::NotYet(format!(
                "{path} does not exist (create: true makes it)"
            )));
        }
        (before, _) => Some(edit(&super::lines::as_text(path, before.as_deref())?)?.into_bytes()),
    };
    Ok(WantedFile { path: path.to_string(), stat, before, desired, make_parents: create })
}

/// Would writing what is wanted change anything, and what; the write that would, as the plan.
pub async fn check(
    host: &HostReader<'_>,
    wanted: &WantedFile,
    attrs: &FileAttrs,
) -> Result<Check<FileWrite>, ModuleError> {
    let Some(desired) = wanted.desired.as_deref() else { return Ok(Check::Ok(Outcome::default())) };
    let resolved = attrs.resolve(host, wanted.stat.as_ref(), false).await?;
    let path = wanted.path.as_str();
    let mut plan = FileWrite {
        path: path.to_string(),
        content: desired.to_vec(),
        attrs: keep_existing(resolved, wanted.stat.as_ref()),
        make_dir: None,
        safety: Safety::default(),
        existed: wanted.before.is_some(),
    };
    let Some(before) = wanted.before.as_deref() else {
        let diff = text_diff(path, b"", desired);
        let missing_dir = match parent_dir(path) {
            Some(dir) if host.stat(&dir).await?.is_none() => Some(dir),
            _ => None,
        };
        let orphan = missing_dir.as_ref().map(|dir| match wanted.make_parents {
            true => format!(" and its directory {dir}"),
            false => format!(" (its directory {dir} does not exist yet)"),
        });
        plan.make_dir = missing_dir.filter(|_| wanted.make_parents);
        return Ok(Check::Change(
            Change { summary: format!("create {path}{}", orphan.unwrap_or_default()), diff },
            plan,
        ));
    };
    let mut changes = Vec::new();
    if before != desired {
        changes.push("content".to_string());
    }
    if let Some(stat) = &wanted.stat {
        changes.extend(differences(&resolved, stat));
    }
    if changes.is_empty() {
        return Ok(Check::Ok(Outcome::default()));
    }
    let diff = (before != desired).then(|| text_diff(path, before, desired)).flatten();
    Ok(Check::Change(Change { summary: format!("{path}: {}", changes.join(", ")), diff }, plan))
}

/// Carries out a write the check decided: the folder first if it was missing, the new content
/// validated and the old file backed up if asked, then the file, atomically. The backup's
/// `backup_file` for the result.
pub async fn write(
    host: &HostWriter<'_>,
    plan: FileWrite,
) -> Result<Option<(String, minijinja::Value)>, ModuleError> {
    if let Some(dir) = &plan.make_dir {
        host.mkdir(dir, Attrs::default()).await?;
    }
    plan.safety.validate(host, &plan.path, &plan.content, plan.attrs).await?;
    let backup = plan.safety.back_up(host, &plan.path, plan.existed).await?;
    host.write(&plan.path, &plan.content, plan.attrs).await?;
    Ok(backup)
}

/// A diff when both sides are text.
fn text_diff(path: &str, before: &[u8], after: &[u8]) -> Option<TextDiff> {
    let before = std::str::from_utf8(before).ok()?;
    let after = std::str::from_utf8(after).ok()?;
    Some(TextDiff { path: path.to_string(), before: before.to_string(), after: after.to_string() })
}
