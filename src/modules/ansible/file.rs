//! `file`: directories, empty files, links and absence, with mode and owner.

use async_trait::async_trait;
use serde::Deserialize;

use crate::connection::{Attrs, FileKind, PlannedRead, Stat};
use crate::diag::Diag;
use crate::modules::contract::{Change, Check, Module, Outcome};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::modules::support::attrs::{FileAttrs, Mode, differences};
use crate::yaml::Node;

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
enum State {
    /// Only attributes, of a file that must exist.
    #[default]
    File,
    Directory,
    /// Exists (created empty if missing); unlike Ansible, never bumps the times.
    Touch,
    Absent,
    Link,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileModule {
    #[serde(alias = "dest", alias = "name")]
    path: String,
    #[serde(default)]
    state: State,
    src: Option<String>,
    #[serde(default)]
    force: bool,
    mode: Option<Mode>,
    owner: Option<String>,
    group: Option<String>,
}

impl FileModule {
    fn attrs(&self) -> FileAttrs {
        FileAttrs { mode: self.mode.clone(), owner: self.owner.clone(), group: self.group.clone() }
    }

    fn change(&self, summary: String, wanted: &Attrs, stat: Option<&Stat>) -> Check<FilePlan> {
        let plan = FilePlan {
            wanted: *wanted,
            exists: stat.is_some(),
            relink: stat.and_then(|s| s.link_target.as_deref()) != self.src.as_deref(),
        };
        Check::Change(Change::new(summary), plan)
    }

    /// What stands in the way, or what must change, given what is at `path`.
    fn assess(&self, stat: Option<&Stat>, wanted: &Attrs) -> Result<Check<FilePlan>, ModuleError> {
        let path = &self.path;
        let change = |summary: String| self.change(summary, wanted, stat);
        let attr_changes = |stat: &Stat| {
            let changes = differences(wanted, stat);
            if changes.is_empty() {
                Check::Ok(Outcome::default())
            } else {
                change(format!("{path}: {}", changes.join(", ")))
            }
        };
        let wrong_kind = |stat: &Stat, wanted: &str| {
            ModuleError::failed(format!("{path} is a {}, not a {wanted}", kind_name(stat.kind)))
        };
        Ok(match (self.state, stat) {
            (State::Absent, None) => Check::Ok(Outcome::default()),
            (State::Absent, Some(stat)) => {
                change(format!("remove {} {path}", kind_name(stat.kind)))
            }
            (State::Directory, None) => change(format!("create directory {path}")),
            (State::Directory, Some(stat)) if stat.kind == FileKind::Directory => {
                attr_changes(stat)
            }
            (State::Directory, Some(stat)) => return Err(wrong_kind(stat, "directory")),
            (State::Touch, None) => change(format!("create empty file {path}")),
            (State::Touch, Some(stat)) => attr_changes(stat),
            (State::File, None) => {
                return Err(ModuleError::failed(format!(
                    "{path} does not exist (use state: touch to create it)"
                )));
            }
            (State::File, Some(stat)) if stat.kind == FileKind::File => attr_changes(stat),
            (State::File, Some(stat)) => return Err(wrong_kind(stat, "file")),
            (State::Link, None) => {
                change(format!("link {path} → {}", self.src.as_deref().unwrap_or_default()))
            }
            (State::Link, Some(stat)) if stat.kind == FileKind::Symlink => {
                if stat.link_target.as_deref() == self.src.as_deref() {
                    // Mode on a link means nothing on Linux; only ownership applies.
                    attr_changes(&Stat { mode: wanted.mode.unwrap_or(stat.mode), ..stat.clone() })
                } else {
                    change(format!(
                        "relink {path} → {} (was {})",
                        self.src.as_deref().unwrap_or_default(),
                        stat.link_target.as_deref().unwrap_or_default()
                    ))
                }
            }
            (State::Link, Some(stat)) if self.force && stat.kind != FileKind::Directory => {
                change(format!("replace {} {path} with a link", kind_name(stat.kind)))
            }
            (State::Link, Some(stat)) => {
                return Err(ModuleError::failed(format!(
                    "{path} is a {}; refusing to replace it with a link without force: true",
                    kind_name(stat.kind)
                )));
            }
        })
    }
}

fn kind_name(kind: FileKind) -> &'static str {
    match kind {
        FileKind::File => "file",
        FileKind::Directory => "directory",
        FileKind::Symlink => "symlink",
        FileKind::Other => "special file",
    }
}

/// What apply does: the attributes check resolved, and whether a link must be (re)pointed.
#[derive(Debug)]
pub struct FilePlan {
    wanted: Attrs,
    /// Something is at the path now.
    exists: bool,
    relink: bool,
}

#[async_trait]
impl Module for FileModule {
    type Plan = FilePlan;

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Self::Plan>, ModuleError> {
        let stat = host.stat(&self.path).await?;
        let folder = self.state == State::Directory;
        let wanted = self.attrs().resolve(host, stat.as_ref(), folder).await?;
        self.assess(stat.as_ref(), &wanted)
    }

    fn planned_reads(&self) -> Vec<PlannedRead> {
        let mut upcoming = self.attrs().planned_reads();
        upcoming.push(PlannedRead { path: self.path.clone(), content: false });
        upcoming
    }

    async fn apply(&self, plan: FilePlan, host: &HostWriter<'_>) -> Result<Outcome, ModuleError> {
        let FilePlan { wanted, exists, relink } = plan;
        let path = self.path.as_str();
        match self.state {
            State::Absent => host.remove(path).await?,
            State::Directory if !exists => host.mkdir(path, wanted).await?,
            State::Touch if !exists => host.write(path, b"", wanted).await?,
            State::Link => {
                let src = self.src.as_deref().unwrap_or_default();
                if relink {
                    host.symlink(src, path).await?;
                }
                if wanted.uid.is_some() || wanted.gid.is_some() {
                    host.set_attrs(path, Attrs { mode: None, ..wanted }).await?;
                }
            }
            _ => host.set_attrs(path, wanted).await?,
        }
        Ok(Outcome::default())
    }

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        match (self.state, &self.src) {
            (State::Link, None) => Err(Diag::invalid(
                &args.span,
                "state: link needs `src`, the path the link points to",
            )),
            (State::Link, Some(_)) | (_, None) => Ok(()),
            (_, Some(_)) => Err(Diag::invalid(&args.span, "`src` only applies to state: link")),
        }
    }
}
