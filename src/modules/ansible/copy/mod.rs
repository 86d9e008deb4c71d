//! `copy`: a file with given content, a copy of a controller-side file or of a host file, or a
//! copy of a folder, the controller's or the host's (`folder.rs`).

mod folder;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use serde::Deserialize;

use crate::connection::{FileKind, PlannedRead};
use crate::diag::Diag;
use crate::file_error::FileError;
use crate::modules::action::Action;
use crate::modules::contract::{Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::modules::probe::{Probe, scripts};
use crate::modules::support::attrs::{FileAttrs, Mode};
use crate::modules::support::content::{self, FileWrite, WantedFile};
use crate::modules::support::digest::sha1_hex;
use crate::modules::support::safe_write::Safety;
use crate::yaml::Node;
use folder::{FolderCopy, FolderEntry, FolderPlan};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CopyModule {
    dest: String,
    content: Option<String>,
    src: Option<String>,
    /// With `force: false` an existing file is left as it is.
    #[serde(default = "yes")]
    force: bool,
    /// A vaulted `src` is decrypted unless `decrypt: false`, as in Ansible.
    #[serde(default = "yes")]
    decrypt: bool,
    /// `src` is a file on the host, not on the controller.
    #[serde(default)]
    remote_src: bool,
    /// Keep the replaced file beside it (`backup_file` in the result).
    #[serde(default)]
    backup: bool,
    /// A command that must accept the new file (`%s`) before it replaces the old.
    validate: Option<String>,
    /// The SHA-1 the copied content must have; a copy that does not is refused.
    checksum: Option<String>,
    /// The mode of the folders a folder copy makes.
    directory_mode: Option<Mode>,
    /// Accepted for Ansible's playbooks; every write is atomic anyway.
    #[serde(default, rename = "unsafe_writes")]
    _unsafe_writes: bool,
    mode: Option<Mode>,
    owner: Option<String>,
    group: Option<String>,
}

fn yes() -> bool {
    true
}

/// A copy of one file, or of a folder.
#[derive(Debug)]
pub enum CopyPlan {
    File(FileWrite),
    Folder(FolderPlan),
}

impl CopyModule {
    fn attrs(&self) -> FileAttrs {
        FileAttrs { mode: self.mode.clone(), owner: self.owner.clone(), group: self.group.clone() }
    }

    fn safety(&self) -> Safety {
        Safety::new(self.backup, self.validate.clone())
    }

    /// A controller file's bytes, a vaulted one decrypted unless `decrypt: false`.
    fn read_source(&self, path: &Path) -> Result<Vec<u8>, ModuleError> {
        let bytes = std::fs::read(path).map_err(|e| FileError::read(path, e))?;
        if self.decrypt && bytes.starts_with(b"$ANSIBLE_VAULT") {
            return Ok(crate::text_file::read(path)?.into_bytes());
        }
        Ok(bytes)
    }

    /// `src` when it names a folder on the controller.
    fn source_folder(&self, host: &HostReader<'_>) -> Option<PathBuf> {
        let src = self.src.as_deref().filter(|_| !self.remote_src && self.content.is_none())?;
        // An absolute `src` comes back as it is, folder or not.
        host.find_source_folder(src.trim_end_matches('/'), "files").ok().filter(|p| p.is_dir())
    }

    async fn wanted(&self, host: &HostReader<'_>) -> Result<WantedFile, ModuleError> {
        let (desired, name) = match (&self.content, &self.src) {
            (Some(content), _) => (content.clone().into_bytes(), None),
            (None, Some(src)) if self.remote_src => {
                let bytes = match host.inspect(src).await? {
                    Some((_, Some(bytes))) => bytes,
                    Some(_) => return Err(ModuleError::failed(format!("{src} is not a file"))),
                    // Often an earlier step makes it: a dry run cannot know, a real run fails.
                    None => return Err(ModuleError::NotYet(format!("Source {src} not found"))),
                };
                (bytes, src.rsplit('/').next().map(str::to_string))
            }
            (None, Some(src)) => {
                let path = host.find_source(src, "files")?;
                let bytes = self.read_source(&path)?;
                (bytes, path.file_name().map(|n| n.to_string_lossy().into_owned()))
            }
            (None, None) => return Err(ModuleError::failed("`copy` needs `content` or `src`")),
        };
        if let Some(expected) = &self.checksum
            && !expected.eq_ignore_ascii_case(&sha1_hex(&desired))
        {
            return Err(ModuleError::failed(format!(
                "Copied file does not match the expected checksum: {expected} is not the SHA-1 of \
                 what `copy` would write ({})",
                sha1_hex(&desired)
            )));
        }
        // Like Ansible: a destination ending in `/` is a directory to copy into.
        let path = match (self.dest.ends_with('/'), name) {
            (true, Some(name)) => format!("{}{name}", self.dest),
            _ => self.dest.clone(),
        };
        let (stat, before) = content::current(host, &path).await?;
        let desired = (before.is_none() || self.force).then_some(desired);
        Ok(WantedFile { path, stat, before, desired, make_parents: false })
    }

    /// A folder copy's check: into `dest` (`src/`), or into `dest/NAME` (`src`), from the
    /// controller's folder, or (`remote_src`) the host's.
    async fn check_folder(
        &self,
        host: &HostReader<'_>,
        folder: Folder,
    ) -> Result<Check<FolderPlan>, ModuleError> {
        let src = self.src.as_deref().unwrap_or_default();
        let name = Path::new(src.trim_end_matches('/')).file_name();
        let base = match (src.ends_with('/'), name) {
            (false, Some(name)) => {
                format!("{}/{}", self.dest.trim_end_matches('/'), name.to_string_lossy())
            }
            _ => self.dest.clone(),
        };
        let (root, entries, on_host) = match &folder {
            Folder::Controller(path) => (None, folder::walk(path)?, HashMap::new()),
            Folder::Host => host_folder(host, src).await?,
        };
        let read = |inner: &Path| match &folder {
            Folder::Controller(path) => self.read_source(&path.join(inner)),
            Folder::Host => on_host.get(inner).cloned().ok_or_else(|| {
                ModuleError::failed(format!("{} vanished from {src}", inner.display()))
            }),
        };
        // A host folder's copy keeps its folders' modes, where `directory_mode` is not used, as
        // ansible-core's `remote_src` copy does.
        let directory_mode = match folder {
            Folder::Controller(_) => self.directory_mode.clone(),
            Folder::Host => None,
        };
        let copy = FolderCopy {
            file_attrs: self.attrs(),
            folder_attrs: FileAttrs {
                mode: directory_mode,
                owner: self.owner.clone(),
                group: self.group.clone(),
            },
            force: self.force,
            read: &read,
        };
        copy.check(host, src, root, entries, &base).await
    }

    /// `src` when it names a folder: on the controller, or with `remote_src` on the host.
    async fn folder(&self, host: &HostReader<'_>) -> Result<Option<Folder>, ModuleError> {
        match &self.src {
            Some(src) if self.remote_src => {
                let stat = host.stat(src.trim_end_matches('/')).await?;
                Ok(stat.filter(|s| s.kind == FileKind::Directory).map(|_| Folder::Host))
            }
            _ => Ok(self.source_folder(host).map(Folder::Controller)),
        }
    }
}

/// Where a folder copy's source is.
enum Folder {
    Controller(PathBuf),
    /// `src` on the host (`remote_src`).
    Host,
}

/// A folder on the host: its own mode, what is under it (as `folder::walk` lists a
/// controller folder, with modes), and the bytes of each file in it (read now: the check must
/// know them).
async fn host_folder(
    host: &HostReader<'_>,
    src: &str,
) -> Result<(Option<u32>, Vec<FolderEntry>, HashMap<PathBuf, Vec<u8>>), ModuleError> {
    let listing =
        host.probe_ok(Probe::script(&scripts::FOLDER_LISTING, [src]), "listing the folder").await?;
    let text = String::from_utf8_lossy(&listing.stdout);
    let (root, records) = text.split_once('\n').unwrap_or(("", ""));
    let mut entries = Vec::new();
    let mut contents = HashMap::new();
    let top = src.trim_end_matches('/');
    for record in records.split('\0').filter(|r| !r.is_empty()) {
        let mut fields = record.splitn(3, ' ');
        let (Some(kind), Some(mode), Some(inner)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let path = PathBuf::from(inner);
        let folder = kind == "d";
        if !folder {
            let bytes = host.read(&format!("{top}/{inner}")).await?.unwrap_or_default();
            contents.insert(path.clone(), bytes);
        }
        entries.push(FolderEntry { path, folder, mode: u32::from_str_radix(mode, 8).ok() });
    }
    Ok((u32::from_str_radix(root.trim(), 8).ok(), entries, contents))
}

impl Action for CopyModule {
    const NAME: &'static str = "copy";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for CopyModule {
    type Plan = CopyPlan;

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<CopyPlan>, ModuleError> {
        if let Some(folder) = self.folder(host).await? {
            return Ok(self.check_folder(host, folder).await?.map_plan(CopyPlan::Folder));
        }
        let check = content::check(host, &self.wanted(host).await?, &self.attrs()).await?;
        Ok(check.map_plan(|plan| CopyPlan::File(plan.with_safety(self.safety()))))
    }

    async fn apply(&self, plan: CopyPlan, host: &HostWriter<'_>) -> Result<Outcome, ModuleError> {
        match plan {
            CopyPlan::File(write) => {
                let backup = content::write(host, write).await?;
                Ok(Outcome { data: backup.into_iter().collect(), ..Outcome::default() })
            }
            CopyPlan::Folder(plan) => {
                folder::apply(plan, host).await?;
                Ok(Outcome::default())
            }
        }
    }

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        self.safety().check_arguments(&args.span)?;
        match (&self.content, &self.src) {
            (Some(_), Some(_)) => {
                Err(Diag::invalid(&args.span, "give `content` or `src`, not both"))
            }
            (None, None) => Err(Diag::invalid(&args.span, "`copy` needs `content` or `src`")),
            _ => Ok(()),
        }
    }

    fn planned_reads(&self) -> Vec<PlannedRead> {
        let single =
            !self.dest.ends_with('/') && !self.src.as_deref().is_some_and(|s| s.ends_with('/'));
        content::planned_reads(&self.attrs(), single.then_some(self.dest.as_str()))
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Writes a file from `content` or a controller file or folder (`src`), or copies one on the host (`remote_src`).",
    check_mode: CheckMode::Predicts,
    diff: true,
    returns: &[],
    example: "- copy: { dest: /etc/motd, content: \"managed by numarun\\n\", mode: '0644', backup: true }",
};

#[cfg(test)]
mod tests {
    use crate::connection::fake::{FakeEntry, FakeHost};
    use crate::modules::on_fake_host::{converges, pass};

    #[tokio::test]
    async fn content_is_written_once_then_left_alone() {
        let host = FakeHost::new();
        host.folder("/etc", 0o755);
        converges(&host, "copy", "{dest: /etc/motd, content: \"hello\\n\", mode: '0644'}").await;
        assert_eq!(
            host.entry("/etc/motd"),
            Some(FakeEntry::File { bytes: b"hello\n".to_vec(), mode: 0o644 })
        );
        converges(&host, "copy", "{dest: /etc/motd, content: \"bye\\n\"}").await;
        assert_eq!(
            host.entry("/etc/motd"),
            Some(FakeEntry::File { bytes: b"bye\n".to_vec(), mode: 0o644 }),
            "the mode stays"
        );
    }

    #[tokio::test]
    async fn force_false_leaves_a_file_that_is_there() {
        let host = FakeHost::new();
        host.file("/etc/kept", b"mine\n", 0o600);
        let said = pass(&host, "copy", "{dest: /etc/kept, content: theirs, force: false}").await;
        assert_eq!(said, "ok");
        assert_eq!(
            host.entry("/etc/kept"),
            Some(FakeEntry::File { bytes: b"mine\n".to_vec(), mode: 0o600 })
        );
    }
}
