//! `copy`: a file with given content, or a copy of a controller-side file.

use async_trait::async_trait;
use serde::Deserialize;

use crate::diag::Diag;
use crate::file_error::FileError;
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::support::attrs::{FileAttrs, Mode};
use crate::modules::support::content::{self, ManagedFile, Wanted};
use crate::modules::support::safe_write::Safety;
use crate::yaml::Node;

#[derive(Debug, Deserialize)]
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

#[async_trait]
impl ManagedFile for CopyModule {
    fn managed_path(&self) -> Option<&str> {
        (!self.dest.ends_with('/')).then_some(self.dest.as_str())
    }

    fn safety(&self) -> Safety {
        Safety::new(self.backup, self.validate.clone())
    }

    fn attrs(&self) -> FileAttrs {
        FileAttrs { mode: self.mode.clone(), owner: self.owner.clone(), group: self.group.clone() }
    }

    async fn wanted(&self, host: &HostReader<'_>) -> Result<Wanted, ModuleError> {
        let (desired, name) = match (&self.content, &self.src) {
            (Some(content), _) => (content.clone().into_bytes(), None),
            (None, Some(src)) if self.remote_src => {
                let bytes = match host.inspect(src).await? {
                    Some((_, Some(bytes))) => bytes,
                    Some(_) => {
                        return Err(ModuleError::failed(format!(
                            "{src} on the host is a directory: copying a folder is not supported"
                        )));
                    }
                    // Often an earlier step makes it: a dry run cannot know, a real run fails.
                    None => return Err(ModuleError::NotYet(format!("Source {src} not found"))),
                };
                (bytes, src.rsplit('/').next().map(str::to_string))
            }
            (None, Some(src)) => {
                let path = host.find_source(src, "files")?;
                let mut bytes = std::fs::read(&path).map_err(|e| FileError::read(&path, e))?;
                if self.decrypt && bytes.starts_with(b"$ANSIBLE_VAULT") {
                    bytes = crate::text_file::read(&path)?.into_bytes();
                }
                (bytes, path.file_name().map(|n| n.to_string_lossy().into_owned()))
            }
            (None, None) => return Err(ModuleError::failed("`copy` needs `content` or `src`")),
        };
        // Like Ansible: a destination ending in `/` is a directory to copy into.
        let path = match (self.dest.ends_with('/'), name) {
            (true, Some(name)) => format!("{}{name}", self.dest),
            _ => self.dest.clone(),
        };
        let (stat, before) = content::current(host, &path).await?;
        let desired = (before.is_none() || self.force).then_some(desired);
        Ok(Wanted { path, stat, before, desired, make_parents: false })
    }

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        match (&self.content, &self.src) {
            (Some(_), Some(_)) => {
                Err(Diag::invalid(&args.span, "give `content` or `src`, not both"))
            }
            (None, None) => Err(Diag::invalid(&args.span, "`copy` needs `content` or `src`")),
            _ => Ok(()),
        }
    }
}
