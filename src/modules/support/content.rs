//! The one home of "this path should hold these bytes with these attributes",
//! shared by copy, template, lineinfile, blockinfile and sysctl.

use async_trait::async_trait;

use crate::connection::{Attrs, FileKind, PlannedRead, Stat};
use crate::diag::Diag;
use crate::modules::contract::{Change, Check, Cx, Diff, Module, ModuleError, Outcome};
use crate::modules::support::attrs::{FileAttrs, differences, keep_existing};
use crate::yaml::Node;

/// What a file module wants: the bytes `path` should hold.
pub struct Plan {
    pub path: String,
    /// What is there now, if anything.
    pub stat: Option<Stat>,
    pub before: Option<Vec<u8>>,
    /// `None`: leave the file as it is (absent and meant to be, or not forced).
    pub desired: Option<Vec<u8>>,
    /// Make missing parent folders (lineinfile and blockinfile with `create`, as in Ansible).
    pub make_parents: bool,
}

/// A module whose whole job is the content and attributes of one file.
#[async_trait]
pub trait ManagedFile: Send + Sync + std::fmt::Debug {
    fn attrs(&self) -> FileAttrs;
    async fn plan(&self, cx: &Cx<'_>) -> Result<Plan, ModuleError>;
    /// The file, when it is known before `plan` looks.
    fn managed_path(&self) -> Option<&str> {
        None
    }
    fn validate(&self, _args: &Node) -> Result<(), Diag> {
        Ok(())
    }
}

#[async_trait]
impl<T: ManagedFile> Module for T {
    async fn check(&self, cx: &Cx<'_>) -> Result<Check, ModuleError> {
        check_plan(cx, &self.plan(cx).await?, &self.attrs()).await
    }

    async fn apply(&self, cx: &Cx<'_>) -> Result<Outcome, ModuleError> {
        write_plan(cx, &self.plan(cx).await?, &self.attrs()).await
    }

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        ManagedFile::validate(self, args)
    }

    fn upcoming(&self) -> Vec<PlannedRead> {
        let mut upcoming = self.attrs().upcoming();
        if let Some(path) = self.managed_path() {
            upcoming.push(PlannedRead { path: path.to_string(), content: true });
            // A missing file's folder is looked at too.
            if let Some(dir) = parent_dir(path) {
                upcoming.push(PlannedRead { path: dir, content: false });
            }
        }
        upcoming
    }
}

/// The folder a file is in, unless the path names none.
fn parent_dir(path: &str) -> Option<String> {
    std::path::Path::new(path).parent().map(|p| p.display().to_string()).filter(|p| !p.is_empty())
}

/// What a managed file is now, with its bytes (read in one round trip).
pub async fn current(cx: &Cx<'_>, path: &str) -> Result<(Option<Stat>, Option<Vec<u8>>), ModuleError> {
    match cx.target.inspect(path).await? {
        Some((stat, _)) if stat.kind == FileKind::Directory => Err(ModuleError::Failed(format!("{path} is a directory"))),
        Some((stat, content)) => Ok((Some(stat), content)),
        None => Ok((None, None)),
    }
}

/// For modules that edit text in place: read the file, edit it, say what to write.
/// A missing file is an error when it should exist unless `create` is set.
pub async fn edit_plan(
    cx: &Cx<'_>,
    path: &str,
    present: bool,
    create: bool,
    edit: impl FnOnce(&str) -> Result<String, ModuleError>,
) -> Result<Plan, ModuleError> {
    let (stat, before) = current(cx, path).await?;
    let desired = match (&before, present) {
        (None, false) => None,
        (None, true) if !create => return Err(ModuleError::Failed(format!("{path} does not exist (create: true makes it)"))),
        (before, _) => Some(edit(&super::lines::as_text(path, before.as_deref())?)?.into_bytes()),
    };
    Ok(Plan { path: path.to_string(), stat, before, desired, make_parents: create })
}

/// What carrying out the plan would change (nothing when it leaves the file alone).
pub async fn check_plan(cx: &Cx<'_>, plan: &Plan, attrs: &FileAttrs) -> Result<Check, ModuleError> {
    match &plan.desired {
        None => Ok(Check::Ok(Outcome::default())),
        Some(desired) => check(cx, plan, desired, attrs).await,
    }
}

/// Carries out the plan.
pub async fn write_plan(cx: &Cx<'_>, plan: &Plan, attrs: &FileAttrs) -> Result<Outcome, ModuleError> {
    match &plan.desired {
        None => Ok(Outcome::default()),
        Some(desired) => write(cx, plan, desired, attrs).await,
    }
}

/// Would writing `desired` to `path` change anything, and what.
pub(super) async fn check(cx: &Cx<'_>, plan: &Plan, desired: &[u8], attrs: &FileAttrs) -> Result<Check, ModuleError> {
    let wanted = attrs.resolve(cx).await?;
    let path = plan.path.as_str();
    let Some(before) = plan.before.as_deref() else {
        let diff = text_diff(path, b"", desired);
        let orphan = match parent_dir(path) {
            Some(dir) if cx.target.stat(&dir).await?.is_none() => Some(match plan.make_parents {
                true => format!(" and its directory {dir}"),
                false => format!(" (its directory {dir} does not exist yet)"),
            }),
            _ => None,
        };
        return Ok(Check::Change(Change { summary: format!("create {path}{}", orphan.unwrap_or_default()), diff }));
    };
    let mut changes = Vec::new();
    if before != desired {
        changes.push("content".to_string());
    }
    if let Some(stat) = &plan.stat {
        changes.extend(differences(&wanted, stat));
    }
    if changes.is_empty() {
        return Ok(Check::Ok(Outcome::default()));
    }
    let diff = (before != desired).then(|| text_diff(path, before, desired)).flatten();
    Ok(Check::Change(Change { summary: format!("{path}: {}", changes.join(", ")), diff }))
}

/// Writes `desired` atomically, keeping the existing file's mode and owner unless told otherwise.
pub async fn write(cx: &Cx<'_>, plan: &Plan, desired: &[u8], attrs: &FileAttrs) -> Result<Outcome, ModuleError> {
    let wanted = attrs.resolve(cx).await?;
    if let Some(dir) = parent_dir(&plan.path).filter(|_| plan.make_parents && plan.before.is_none())
        && cx.target.stat(&dir).await?.is_none()
    {
        cx.target.mkdir(&dir, Attrs::default()).await?;
    }
    cx.target.write(&plan.path, desired, keep_existing(wanted, plan.stat.as_ref())).await?;
    Ok(Outcome::default())
}

/// A diff when both sides are text.
fn text_diff(path: &str, before: &[u8], after: &[u8]) -> Option<Diff> {
    let before = std::str::from_utf8(before).ok()?;
    let after = std::str::from_utf8(after).ok()?;
    Some(Diff { path: path.to_string(), before: before.to_string(), after: after.to_string() })
}
