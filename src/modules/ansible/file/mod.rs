//! `file`: directories, empty files, links (symbolic and hard) and absence, with mode, owner
//! and times.

mod hard_link;
mod recurse;
mod timestamps;

use async_trait::async_trait;
use serde::Deserialize;

use crate::connection::{Attrs, FileKind, PlannedRead, Stat};
use crate::diag::Diag;
use crate::modules::action::Action;
use crate::modules::contract::{Change, Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::modules::probe::{Probe, ReadOnlyProgram};
use crate::modules::support::attrs::{FileAttrs, Mode, differences};
use crate::yaml::Node;
use hard_link::HardLink;
use timestamps::{DEFAULT_FORMAT, TimesPlan, Timestamps, When};

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default, schemars::JsonSchema)]
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
    /// A hard link to `src`.
    Hard,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileModule {
    #[serde(alias = "dest", alias = "name")]
    #[schemars(extend("x-aliases" = ["dest", "name"]))]
    path: String,
    /// Unset: what is at the path now (as ansible-core reads it), else a file.
    state: Option<State>,
    src: Option<String>,
    #[serde(default)]
    force: bool,
    /// With `state: directory`: the attributes given to everything inside too.
    #[serde(default)]
    recurse: bool,
    mode: Option<Mode>,
    owner: Option<String>,
    group: Option<String>,
    /// A link at `path` stands for its target (for `state: file`, `directory` and `touch`); a
    /// hard link to a symbolic link links its target.
    #[serde(default = "yes")]
    follow: bool,
    access_time: Option<String>,
    access_time_format: Option<String>,
    modification_time: Option<String>,
    modification_time_format: Option<String>,
}

fn yes() -> bool {
    true
}

impl FileModule {
    fn state(&self) -> State {
        self.state.unwrap_or_default()
    }

    /// This step with its state settled: when none is given, what is at the path (a link
    /// left a link without `follow`, its file's with it), else a file (a folder to recurse).
    fn settled(&self, stat: Option<&Stat>) -> FileModule {
        let (state, src) = match (self.state, stat) {
            (Some(state), _) => (state, self.src.clone()),
            (None, None) if self.recurse => (State::Directory, None),
            (None, None) => (State::File, None),
            (None, Some(stat)) => match stat.kind {
                FileKind::Directory => (State::Directory, None),
                FileKind::Symlink if !self.follow => (State::Link, stat.link_target.clone()),
                _ => (State::File, None),
            },
        };
        FileModule { state: Some(state), src, ..self.clone() }
    }

    fn attrs(&self) -> FileAttrs {
        FileAttrs { mode: self.mode.clone(), owner: self.owner.clone(), group: self.group.clone() }
    }

    fn timestamps(&self) -> Result<Timestamps, ModuleError> {
        let when = |value: &Option<String>, format: &Option<String>| {
            When::parse(
                value.as_deref(),
                format.as_deref().unwrap_or(DEFAULT_FORMAT),
                When::Preserve,
            )
        };
        Ok(Timestamps {
            access: when(&self.access_time, &self.access_time_format)?,
            modification: when(&self.modification_time, &self.modification_time_format)?,
        })
    }

    fn change(
        &self,
        path: &str,
        summary: String,
        wanted: &Attrs,
        stat: Option<&Stat>,
    ) -> Check<FilePlan> {
        let plan = FilePlan {
            target: path.to_string(),
            wanted: *wanted,
            exists: stat.is_some(),
            relink: self.state() == State::Hard
                || stat.and_then(|s| s.link_target.as_deref()) != self.src.as_deref(),
            inside: Vec::new(),
            times: TimesPlan::default(),
            settled: None,
        };
        Check::Change(Change::new(summary), plan)
    }

    /// The path the step acts on: `path`, or with `follow` the file a link there points to.
    async fn target(
        &self,
        host: &HostReader<'_>,
        stat: Option<Stat>,
    ) -> Result<(String, Option<Stat>), ModuleError> {
        let follows = matches!(self.state(), State::File | State::Directory | State::Touch);
        match &stat {
            Some(link) if link.kind == FileKind::Symlink && self.follow && follows => {
                let real = host
                    .probe_stdout(
                        Probe::program(ReadOnlyProgram::Readlink, ["-m", "--", &self.path]),
                        "readlink",
                    )
                    .await?;
                let stat = host.stat(&real).await?;
                Ok((real, stat))
            }
            _ => Ok((self.path.clone(), stat)),
        }
    }

    /// What stands in the way, or what must change, given what is at `path`.
    async fn assess(
        &self,
        host: &HostReader<'_>,
        path: &str,
        stat: Option<&Stat>,
        wanted: &Attrs,
    ) -> Result<Check<FilePlan>, ModuleError> {
        let change = |summary: String| self.change(path, summary, wanted, stat);
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
        Ok(match (self.state(), stat) {
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
            (State::Hard, stat) => {
                let src = self.src.as_deref().unwrap_or_default();
                match hard_link::inspect(host, path, src, stat).await? {
                    HardLink::Made => attr_changes(stat.expect("a hard link exists")),
                    HardLink::Missing => change(format!("hard link {path} → {src}")),
                    HardLink::Other(_) if self.force => {
                        change(format!("replace {path} with a hard link to {src}"))
                    }
                    HardLink::Other(what) => {
                        return Err(ModuleError::failed(format!(
                            "Cannot link, {what} exists at destination {path} (force: true \
                             replaces it)"
                        )));
                    }
                }
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
    /// The path acted on (with `follow`, where a link at `path` points).
    target: String,
    wanted: Attrs,
    /// Something is at the path now.
    exists: bool,
    /// The (symbolic or hard) link must be made anew.
    relink: bool,
    /// With `recurse`: the paths inside whose attributes differ, and what they get.
    inside: Vec<(String, Attrs)>,
    /// Access and modification times to set.
    times: TimesPlan,
    /// The step with its state settled by what check found.
    settled: Option<FileModule>,
}

impl Action for FileModule {
    const NAME: &'static str = "file";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for FileModule {
    type Plan = FilePlan;

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Self::Plan>, ModuleError> {
        let stat = host.stat(&self.path).await?;
        let settled = self.settled(stat.as_ref());
        let check = settled.check_settled(host, stat).await?;
        Ok(check.map_plan(|plan| FilePlan { settled: Some(settled), ..plan }))
    }

    fn planned_reads(&self) -> Vec<PlannedRead> {
        let mut upcoming = self.attrs().planned_reads();
        upcoming.push(PlannedRead { path: self.path.clone(), content: false });
        upcoming
    }

    async fn apply(&self, plan: FilePlan, host: &HostWriter<'_>) -> Result<Outcome, ModuleError> {
        plan.settled.clone().unwrap_or_else(|| self.clone()).apply_settled(plan, host).await
    }

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        let linking = matches!(self.state, Some(State::Link | State::Hard));
        match (linking, &self.src) {
            (true, None) => Err(Diag::invalid(
                &args.span,
                "state: link and state: hard need `src`, the path the link points to",
            )),
            _ if self.recurse && !matches!(self.state, None | Some(State::Directory)) => {
                Err(Diag::invalid(&args.span, "`recurse` only applies to state: directory"))
            }
            (true, Some(_)) | (_, None) => Ok(()),
            (false, Some(_)) => {
                Err(Diag::invalid(&args.span, "`src` only applies to state: link and hard"))
            }
        }
    }
}

impl FileModule {
    async fn check_settled(
        &self,
        host: &HostReader<'_>,
        stat: Option<Stat>,
    ) -> Result<Check<FilePlan>, ModuleError> {
        let (path, stat) = self.target(host, stat).await?;
        let folder = self.state() == State::Directory;
        let wanted = self.attrs().resolve(host, stat.as_ref(), folder).await?;
        let inside = match self.recurse && self.state() == State::Directory && stat.is_some() {
            true => recurse::differing_inside(host, &path, &self.attrs()).await?,
            false => Vec::new(),
        };
        let mut check = self.assess(host, &path, stat.as_ref(), &wanted).await?;
        let unchanged = |summary: String| {
            let plan = FilePlan {
                target: path.clone(),
                wanted,
                exists: true,
                relink: false,
                inside: Vec::new(),
                times: TimesPlan::default(),
                settled: None,
            };
            Check::Change(Change::new(summary), plan)
        };
        if !inside.is_empty() && matches!(check, Check::Ok(_)) {
            check = unchanged(format!("{path}: {} paths inside", inside.len()));
        }
        // Times, for what is (or will be) there; a link's own are left alone.
        let timed = !matches!(self.state(), State::Absent | State::Link);
        let timestamps = self.timestamps()?;
        if timed && !timestamps.preserved() {
            let existing = stat.as_ref().map(|_| path.as_str());
            let (times, summary) = timestamps.plan(host, existing).await?;
            if !times.is_empty() && matches!(check, Check::Ok(_)) {
                check = unchanged(format!("{path}: {}", summary.join(", ")));
            }
            check = check.map_plan(|plan| FilePlan { times, ..plan });
            // `now` is never reached: ansible-core counts it a change on every run.
            if timestamps.always_change()
                && let Check::Change(change, plan) = check
            {
                check = Check::Always(change, plan);
            }
        }
        Ok(check.map_plan(|plan| FilePlan { inside, ..plan }))
    }

    async fn apply_settled(
        &self,
        plan: FilePlan,
        host: &HostWriter<'_>,
    ) -> Result<Outcome, ModuleError> {
        let FilePlan { target, wanted, exists, relink, inside, times, settled: _ } = plan;
        let path = target.as_str();
        let src = self.src.as_deref().unwrap_or_default();
        match self.state() {
            State::Absent => host.remove(path).await?,
            State::Directory if !exists => host.mkdir(path, wanted).await?,
            State::Touch if !exists => host.write(path, b"", wanted).await?,
            State::Link => {
                if relink {
                    host.symlink(src, path).await?;
                }
                if wanted.uid.is_some() || wanted.gid.is_some() {
                    host.set_attrs(path, Attrs { mode: None, ..wanted }).await?;
                }
            }
            State::Hard => {
                if relink {
                    hard_link::make(host, src, path, self.follow).await?;
                }
                host.set_attrs(path, wanted).await?;
            }
            _ => host.set_attrs(path, wanted).await?,
        }
        for (inner, attrs) in inside {
            host.set_attrs(&inner, attrs).await?;
        }
        timestamps::apply(&times, host, path).await?;
        Ok(Outcome::default())
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Sets a path's kind (file, directory, link, hard link, absent, touch), mode, owner and times.",
    check_mode: CheckMode::Predicts,
    diff: false,
    returns: &[],
    example: "- file: { path: /srv/app, state: directory, mode: '0755', owner: root }",
};

#[cfg(test)]
mod tests {
    use crate::connection::fake::{FakeEntry, FakeHost};
    use crate::modules::on_fake_host::{converges, pass};

    #[tokio::test]
    async fn a_folder_a_link_and_their_removal() {
        let host = FakeHost::new();
        converges(&host, "file", "{path: /srv/data/a, state: directory, mode: '0750'}").await;
        assert_eq!(host.entry("/srv/data/a"), Some(FakeEntry::Directory { mode: 0o750 }));
        assert_eq!(host.entry("/srv/data"), Some(FakeEntry::Directory { mode: 0o755 }));
        converges(&host, "file", "{path: /srv/current, src: /srv/data/a, state: link}").await;
        assert_eq!(
            host.entry("/srv/current"),
            Some(FakeEntry::Symlink { target: "/srv/data/a".into() })
        );
        converges(&host, "file", "{path: /srv/data, state: absent}").await;
        assert_eq!(host.entry("/srv/data/a"), None, "a folder goes with what is in it");
    }

    #[tokio::test]
    async fn a_mode_is_set_on_what_is_there_and_a_file_is_not_made_unasked() {
        let host = FakeHost::new();
        host.file("/etc/secret", b"s\n", 0o644);
        converges(&host, "file", "{path: /etc/secret, mode: 'u=rw,go='}").await;
        assert_eq!(
            host.entry("/etc/secret"),
            Some(FakeEntry::File { bytes: b"s\n".to_vec(), mode: 0o600 })
        );
        let missing = pass(&host, "file", "{path: /etc/none, state: file}").await;
        assert!(missing.starts_with("failed"), "{missing}");
        assert_eq!(host.entry("/etc/none"), None);
    }
}
