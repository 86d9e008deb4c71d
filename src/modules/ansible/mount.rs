//! `mount`: a mount point's fstab entry, present exactly once and written atomically, and the
//! mount itself. Entries are keyed by the mount point, as Ansible's `mount` does: a second line
//! for the same path is removed, every other line is kept as it is.

use async_trait::async_trait;
use serde::Deserialize;

use crate::connection::{Attrs, Command};
use crate::diag::Diag;
use crate::modules::action::Action;
use crate::modules::contract::{Change, Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::modules::probe::{Probe, ReadOnlyProgram};
use crate::modules::support::attrs::{FileAttrs, Mode};
use crate::modules::support::content::{self, FileWrite, WantedFile};
use crate::modules::support::lines;
use crate::yaml::Node;

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum State {
    /// In fstab and mounted now.
    Mounted,
    /// In fstab; mounted or not.
    Present,
    /// In fstab, not mounted now.
    Unmounted,
    /// Neither in fstab nor mounted.
    Absent,
}

#[derive(Debug, Clone, Copy)]
enum LiveAction {
    Mount,
    Remount,
    Unmount,
}

impl LiveAction {
    fn verb(self) -> &'static str {
        match self {
            LiveAction::Mount => "mount",
            LiveAction::Remount => "remount",
            LiveAction::Unmount => "unmount",
        }
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mount {
    #[serde(alias = "name")]
    #[schemars(extend("x-aliases" = ["name"]))]
    path: String,
    /// A device, `LABEL=…` or `UUID=…`.
    src: Option<String>,
    fstype: Option<String>,
    #[serde(default = "defaults")]
    opts: String,
    #[serde(default = "zero")]
    dump: String,
    #[serde(default = "zero")]
    passno: String,
    state: State,
    #[serde(default = "etc_fstab")]
    fstab: String,
}

fn defaults() -> String {
    "defaults".into()
}

fn zero() -> String {
    "0".into()
}

fn etc_fstab() -> String {
    "/etc/fstab".into()
}

impl Mount {
    fn in_fstab(&self) -> bool {
        self.state != State::Absent
    }

    fn entry(&self) -> String {
        let (src, fstype) =
            (self.src.as_deref().unwrap_or_default(), self.fstype.as_deref().unwrap_or_default());
        format!("{src} {} {fstype} {} {} {}", self.path, self.opts, self.dump, self.passno)
    }

    /// fstab with this mount point's entry once, where its first entry was (or at the end).
    fn edit(&self, text: &str) -> String {
        let ours = |line: &str| {
            !line.trim_start().starts_with('#')
                && line.split_whitespace().nth(1) == Some(self.path.as_str())
        };
        let entry = self.entry();
        let mut kept: Vec<&str> = Vec::new();
        let mut placed = !self.in_fstab();
        for line in text.lines() {
            if !ours(line) {
                kept.push(line);
            } else if !placed {
                kept.push(&entry);
                placed = true;
            }
        }
        if !placed {
            kept.push(&entry);
        }
        lines::rejoin(text, &kept)
    }

    async fn fstab_wanted(&self, host: &HostReader<'_>) -> Result<WantedFile, ModuleError> {
        content::edit(host, &self.fstab, self.in_fstab(), true, |text| Ok(self.edit(text))).await
    }

    async fn is_mounted(&self, host: &HostReader<'_>) -> Result<bool, ModuleError> {
        let output = host
            .probe(Probe::program(
                ReadOnlyProgram::Findmnt,
                ["-n", "--mountpoint", self.path.as_str()],
            ))
            .await?;
        Ok(output.rc == 0)
    }

    /// What must happen to the live mount, given whether the fstab entry changes.
    fn live_action(&self, mounted: bool, entry_changes: bool) -> Option<LiveAction> {
        match (self.state, mounted) {
            (State::Mounted, false) => Some(LiveAction::Mount),
            (State::Mounted, true) if entry_changes => Some(LiveAction::Remount),
            (State::Unmounted | State::Absent, true) => Some(LiveAction::Unmount),
            _ => None,
        }
    }

    async fn mount(&self, host: &HostWriter<'_>) -> Result<(), ModuleError> {
        if host.stat(&self.path).await?.is_none() {
            host.mkdir(&self.path, Attrs { mode: Some(0o755), ..Attrs::default() }).await?;
        }
        let (src, fstype) =
            (self.src.as_deref().unwrap_or_default(), self.fstype.as_deref().unwrap_or_default());
        let argv = ["mount", "-t", fstype, "-o", self.opts.as_str(), "--", src, self.path.as_str()];
        host.run_ok(Command::argv(argv), &format!("mount {src} on {}", self.path)).await?;
        Ok(())
    }
}

/// What apply does: the fstab entry as check edited it, then the live mount.
#[derive(Debug)]
pub struct MountPlan {
    fstab: Option<FileWrite>,
    live: Option<LiveAction>,
}

impl Action for Mount {
    const NAME: &'static str = "mount";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for Mount {
    type Plan = MountPlan;

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<MountPlan>, ModuleError> {
        let wanted = self.fstab_wanted(host).await?;
        // A new fstab is world-readable, as every system's is; an existing one keeps its mode.
        let attrs = FileAttrs {
            mode: wanted.stat.is_none().then_some(Mode::Bits(0o644)),
            ..FileAttrs::default()
        };
        let (mut summary, diff, fstab) = match content::check(host, &wanted, &attrs).await? {
            Check::Change(change, write) => (vec![change.summary], change.diff, Some(write)),
            _ => (Vec::new(), None, None),
        };
        let live = self.live_action(self.is_mounted(host).await?, fstab.is_some());
        if let Some(action) = live {
            summary.push(format!("{} {}", action.verb(), self.path));
        }
        Ok(match summary.is_empty() {
            true => Check::Ok(Outcome::default()),
            false => Check::Change(
                Change { summary: summary.join("; "), diff },
                MountPlan { fstab, live },
            ),
        })
    }

    async fn apply(&self, plan: MountPlan, host: &HostWriter<'_>) -> Result<Outcome, ModuleError> {
        if let Some(write) = plan.fstab {
            content::write(host, write).await?;
        }
        match plan.live {
            Some(LiveAction::Mount) => self.mount(host).await?,
            Some(LiveAction::Remount) => {
                let options = format!("remount,{}", self.opts);
                host.run_ok(
                    Command::argv(["mount", "-o", options.as_str(), "--", self.path.as_str()]),
                    "remount",
                )
                .await?;
            }
            Some(LiveAction::Unmount) => {
                host.run_ok(
                    Command::argv(["umount", "--", self.path.as_str()]),
                    &format!("umount {}", self.path),
                )
                .await?;
            }
            None => {}
        }
        Ok(Outcome::default())
    }

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        if !self.path.starts_with('/') || self.path.split_whitespace().count() != 1 {
            return Err(Diag::invalid(
                &args.span,
                format!("`path` must be an absolute path without spaces, not `{}`", self.path),
            ));
        }
        let needs_entry = matches!(self.state, State::Mounted | State::Present);
        if needs_entry && (self.src.is_none() || self.fstype.is_none()) {
            return Err(Diag::invalid(
                &args.span,
                "state: mounted and present need `src` and `fstype`",
            ));
        }
        let fields = [
            self.src.as_deref(),
            self.fstype.as_deref(),
            Some(self.opts.as_str()),
            Some(&self.dump),
            Some(&self.passno),
        ];
        if fields.into_iter().flatten().any(|f| f.is_empty() || f.contains(char::is_whitespace)) {
            return Err(Diag::invalid(&args.span, "fstab fields cannot be empty or hold spaces"));
        }
        Ok(())
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Keeps a mount in fstab and mounted (or unmounted, or gone).",
    check_mode: CheckMode::Predicts,
    diff: true,
    returns: &[],
    example: "- mount: { path: /data, src: LABEL=hot, fstype: ext4, opts: noatime, state: mounted }",
};
