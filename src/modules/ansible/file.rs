//! `file`: directories, empty files, links and absence, with mode and owner.

use async_trait::async_trait;
use serde::Deserialize;

use crate::connection::{Attrs, Command, FileKind, PlannedRead, Stat};
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
    /// With `state: directory`: the attributes given to everything inside too.
    #[serde(default)]
    recurse: bool,
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
            inside: Vec::new(),
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
    /// With `recurse`: the paths inside whose attributes differ, and what they get.
    inside: Vec<(String, Attrs)>,
}

/// Lists what is inside a folder (not following links): kind, mode, owner, group, path.
const LIST_INSIDE: &str = r#"find "$1" -mindepth 1 -printf '%y %m %U %G %p\0'"#;

impl FileModule {
    /// With `recurse`, each file and folder inside `path` whose attributes differ from what
    /// `attrs` resolves to for it (links are left as they are).
    async fn inside(&self, host: &HostReader<'_>) -> Result<Vec<(String, Attrs)>, ModuleError> {
        if !self.recurse || self.state != State::Directory || host.stat(&self.path).await?.is_none()
        {
            return Ok(Vec::new());
        }
        let listing = host
            .probe_ok(Command::argv(["/bin/sh", "-c", LIST_INSIDE, "file", &self.path]), "find")
            .await?;
        let mut differing = Vec::new();
        for record in String::from_utf8_lossy(&listing.stdout).split('\0').filter(|r| !r.is_empty())
        {
            let fields: Vec<&str> = record.splitn(5, ' ').collect();
            let [kind, mode, uid, gid, path] = fields[..] else { continue };
            let kind = match kind {
                "d" => FileKind::Directory,
                "f" => FileKind::File,
                _ => continue,
            };
            let stat = Stat {
                kind,
                mode: u32::from_str_radix(mode, 8).unwrap_or(0),
                uid: uid.parse().unwrap_or(0),
                gid: gid.parse().unwrap_or(0),
                size: 0,
                link_target: None,
            };
            let wanted =
                self.attrs().resolve(host, Some(&stat), kind == FileKind::Directory).await?;
            if !differences(&wanted, &stat).is_empty() {
                differing.push((path.to_string(), wanted));
            }
        }
        Ok(differing)
    }
}

#[async_trait]
impl Module for FileModule {
    type Plan = FilePlan;

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Self::Plan>, ModuleError> {
        let stat = host.stat(&self.path).await?;
        let folder = self.state == State::Directory;
        let wanted = self.attrs().resolve(host, stat.as_ref(), folder).await?;
        let inside = self.inside(host).await?;
        let check = match (self.assess(stat.as_ref(), &wanted)?, inside.is_empty()) {
            (check, true) => check,
            (Check::Ok(_), false) => {
                let summary = format!("{}: {} paths inside", self.path, inside.len());
                Check::Change(
                    Change::new(summary),
                    FilePlan { wanted, exists: true, relink: false, inside: Vec::new() },
                )
            }
            (check, false) => check,
        };
        Ok(check.map_plan(|plan| FilePlan { inside, ..plan }))
    }

    fn planned_reads(&self) -> Vec<PlannedRead> {
        let mut upcoming = self.attrs().planned_reads();
        upcoming.push(PlannedRead { path: self.path.clone(), content: false });
        upcoming
    }

    async fn apply(&self, plan: FilePlan, host: &HostWriter<'_>) -> Result<Outcome, ModuleError> {
        let FilePlan { wanted, exists, relink, inside } = plan;
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
        for (inner, attrs) in inside {
            host.set_attrs(&inner, attrs).await?;
        }
        Ok(Outcome::default())
    }

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        match (self.state, &self.src) {
            (State::Link, None) => Err(Diag::invalid(
                &args.span,
                "state: link needs `src`, the path the link points to",
            )),
            _ if self.recurse && self.state != State::Directory => {
                Err(Diag::invalid(&args.span, "`recurse` only applies to state: directory"))
            }
            (State::Link, Some(_)) | (_, None) => Ok(()),
            (_, Some(_)) => Err(Diag::invalid(&args.span, "`src` only applies to state: link")),
        }
    }
}
