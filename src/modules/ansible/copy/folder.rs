//! `copy` of a folder (on the controller, or with `remote_src` on the host): every folder and
//! file under it, as ansible-core copies them.
//! `src` ending in `/` copies what is inside into `dest`; without it, the folder itself (so
//! into `dest/NAME`). Folders that are missing (`dest` and those above it too) are made with
//! `directory_mode` (the host's default without it); existing ones keep theirs. Each file is a
//! managed file of its own (content, mode, owner), so a rerun changes nothing and a dry run
//! names each file.

use std::path::{Path, PathBuf};

use crate::connection::{Attrs, FileKind};
use crate::file_error::FileError;
use crate::modules::contract::{Change, Check, Outcome};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::modules::support::attrs::{FileAttrs, Mode};
use crate::modules::support::content::{self, FileWrite, WantedFile};

/// What a folder copy does: the folders to make (parents first), then the files to write.
#[derive(Debug, Default)]
pub struct FolderPlan {
    folders: Vec<(String, Attrs)>,
    files: Vec<FileWrite>,
}

/// The copy's settings that are not its paths.
pub struct FolderCopy<'a> {
    /// Files' mode, owner and group.
    pub file_attrs: FileAttrs,
    /// Folders' (`directory_mode`, owner and group).
    pub folder_attrs: FileAttrs,
    /// An existing file is replaced.
    pub force: bool,
    /// Reads a source file, by its path below the source folder.
    pub read: &'a (dyn Fn(&Path) -> Result<Vec<u8>, ModuleError> + Sync),
}

/// A file or folder of the source, by its path below the source folder.
#[derive(Debug, Clone)]
pub struct FolderEntry {
    pub path: PathBuf,
    pub folder: bool,
    /// The source's own mode, kept in the copy (a copy on the host keeps modes, as
    /// ansible-core's `remote_src` copy does); `None`: the copy's arguments decide.
    pub mode: Option<u32>,
}

/// Everything under a controller folder, folders before what is in them, by name.
pub fn walk(root: &Path) -> Result<Vec<FolderEntry>, ModuleError> {
    Ok(walk_paths(root)?
        .into_iter()
        .map(|(path, folder)| FolderEntry { path, folder, mode: None })
        .collect())
}

fn walk_paths(root: &Path) -> Result<Vec<(PathBuf, bool)>, ModuleError> {
    let mut found = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(root)
        .map_err(|e| FileError::read(root, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| FileError::read(root, e))?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        // Links are followed, as ansible-core's `local_follow` does by default.
        let path = entry.path();
        let name = PathBuf::from(entry.file_name());
        if path.is_dir() {
            found.push((name.clone(), true));
            found
                .extend(walk_paths(&path)?.into_iter().map(|(inner, dir)| (name.join(inner), dir)));
        } else {
            found.push((name, false));
        }
    }
    Ok(found)
}

impl FolderCopy<'_> {
    /// What copying the folder `source` (`root`: its own mode, kept as its entries' are; then
    /// its `entries`, as `walk` lists them) to `base` on the host would change.
    pub async fn check(
        &self,
        host: &HostReader<'_>,
        source: &str,
        root: Option<u32>,
        entries: Vec<FolderEntry>,
        base: &str,
    ) -> Result<Check<FolderPlan>, ModuleError> {
        let mut plan = FolderPlan::default();
        let mut made = 0;
        let base = base.trim_end_matches('/');
        // The folders above `base` that are missing are made the same way, top first.
        let mut above = Vec::new();
        let mut parent = Path::new(base).parent();
        while let Some(folder) = parent.filter(|p| !p.as_os_str().is_empty()) {
            if host.stat(&folder.display().to_string()).await?.is_some() {
                break;
            }
            above.push(folder.display().to_string());
            parent = folder.parent();
        }
        for folder in above.into_iter().rev() {
            let attrs = self.folder_attrs.resolve(host, None, true).await?;
            plan.folders.push((folder, attrs));
        }
        let top = FolderEntry { path: PathBuf::new(), folder: true, mode: root };
        for FolderEntry { path: inner, folder, mode } in std::iter::once(top).chain(entries) {
            let path = match inner.as_os_str().is_empty() {
                true => base.to_string(),
                false => format!("{base}/{}", inner.display()),
            };
            if folder {
                match host.stat(&path).await? {
                    None => {
                        let mut attrs = self.folder_attrs.resolve(host, None, true).await?;
                        attrs.mode = mode.or(attrs.mode);
                        plan.folders.push((path, attrs));
                    }
                    Some(stat) if stat.kind == FileKind::Directory => {}
                    Some(_) => {
                        return Err(ModuleError::failed(format!(
                            "{path} is not a directory: cannot copy the folder {source} into it"
                        )));
                    }
                }
                continue;
            }
            let (stat, before) = content::current(host, &path).await?;
            let desired =
                (before.is_none() || self.force).then(|| (self.read)(&inner)).transpose()?;
            let wanted = WantedFile { path, stat, before, desired, make_parents: false };
            let kept = FileAttrs { mode: mode.map(Mode::Bits), ..self.file_attrs.clone() };
            let attrs = if self.file_attrs.mode.is_some() { &self.file_attrs } else { &kept };
            if let Check::Change(_, write) = content::check(host, &wanted, attrs).await? {
                made += usize::from(wanted.before.is_none());
                plan.files.push(write);
            }
        }
        if plan.folders.is_empty() && plan.files.is_empty() {
            return Ok(Check::Ok(Outcome::default()));
        }
        let summary = format!(
            "{base}/: {} folders to make, {made} files to create, {} to update",
            plan.folders.len(),
            plan.files.len() - made
        );
        Ok(Check::Change(Change::new(summary), plan))
    }
}

/// Makes the folders, then writes the files, as the check planned.
pub async fn apply(plan: FolderPlan, host: &HostWriter<'_>) -> Result<(), ModuleError> {
    for (folder, attrs) in &plan.folders {
        host.mkdir(folder, *attrs).await?;
    }
    for write in plan.files {
        content::write(host, write).await?;
    }
    Ok(())
}
