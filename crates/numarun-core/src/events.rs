//! What the engine says happened. Printing, progress, the recap and the JSON
//! log are reporters that consume these; nothing else prints.

use serde::Serialize;

/// How a step ended on a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Nothing to change.
    Ok,
    /// Changed (or, in check mode, would change).
    Changed,
    /// Check mode could not tell (a command without a read-only guard).
    Unknown,
    /// Failed; the host runs no further step of the play.
    Failed,
    /// Failed, with `ignore_errors: true`.
    Ignored,
    /// Its `when` did not hold, or its tags were not selected.
    Skipped,
    /// The connection was lost; the host sits out the rest of the run.
    Unreachable,
}

impl Status {
    /// The status as the recap and the JSON log write it.
    pub fn word(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Changed => "changed",
            Status::Unknown => "unknown",
            Status::Failed => "failed",
            Status::Ignored => "ignored",
            Status::Skipped => "skipped",
            Status::Unreachable => "unreachable",
        }
    }
}

/// A text change, for `--diff`.
#[derive(Debug, Clone, Serialize)]
pub struct TextDiff {
    /// The file (or thing) that changes.
    pub path: String,
    /// Its text before.
    pub before: String,
    /// Its text after.
    pub after: String,
}

/// What a step (or one item of its loop) did on a host.
#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    /// The host.
    pub host: String,
    /// The play (a phase of the site) it ran in.
    pub phase: String,
    /// The step's title.
    pub step: String,
    /// The loop item's label, for one item of a loop.
    pub item: Option<String>,
    /// How it ended.
    pub status: Status,
    /// What it said: a failure's reason, a debug message.
    pub message: Option<String>,
    /// What it changed, for `--diff`.
    pub diff: Option<TextDiff>,
    /// It ran as a notified handler.
    pub handler: bool,
    /// The summary of a looped step, whose items were reported one by one.
    pub looped: bool,
    /// It ran under `--check`.
    pub check_mode: bool,
    /// How long it took.
    pub duration_ms: u64,
}

/// A host's counts at the end of a run, as Ansible's recap has them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HostRecap {
    /// The host.
    pub host: String,
    /// Steps ok (changed, unknown and ignored ones too, as Ansible counts).
    pub ok: usize,
    /// Steps that changed.
    pub changed: usize,
    /// Steps check mode could not tell.
    pub unknown: usize,
    /// Steps that failed.
    pub failed: usize,
    /// Steps skipped.
    pub skipped: usize,
    /// 1 when the host could not be reached.
    pub unreachable: usize,
    /// Failures `ignore_errors` let pass.
    pub ignored: usize,
    /// Failures a block's `rescue` took the host back from (no longer counted as failed).
    pub rescued: usize,
}

impl HostRecap {
    /// Counts a step as Ansible's recap does: changed steps are also ok.
    pub fn count(&mut self, status: Status) {
        match status {
            Status::Ok => self.ok += 1,
            Status::Changed => {
                self.ok += 1;
                self.changed += 1;
            }
            Status::Unknown => {
                self.ok += 1;
                self.unknown += 1;
            }
            Status::Failed => self.failed += 1,
            // As ansible-core counts a failure `ignore_errors` lets pass: ok, and ignored.
            Status::Ignored => {
                self.ok += 1;
                self.ignored += 1;
            }
            Status::Skipped => self.skipped += 1,
            Status::Unreachable => self.unreachable += 1,
        }
    }
}

/// Something that happened in a run, in the order it happened (the JSON log's lines).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The run began.
    RunStart {
        /// The playbook.
        playbook: String,
        /// Under `--check`.
        check_mode: bool,
    },
    /// A play (a phase of the site) began.
    PhaseStart {
        /// Its name.
        phase: String,
        /// The hosts it runs on.
        hosts: Vec<String>,
    },
    /// A step began on a host.
    StepStart {
        /// The host.
        host: String,
        /// The play.
        phase: String,
        /// The step's title.
        step: String,
        /// Its place in the play, from 1.
        index: usize,
        /// The play's steps so far known.
        total: usize,
    },
    /// One item of a looped step.
    ItemResult(StepReport),
    /// A step ended on a host.
    StepResult(StepReport),
    /// A host could not be reached, or its connection was lost.
    HostUnreachable {
        /// The host.
        host: String,
        /// The play.
        phase: String,
        /// Why.
        message: String,
    },
    /// Something the user must know on every run (e.g. host keys not verified).
    Warning {
        /// The host it concerns.
        host: String,
        /// What to know.
        message: String,
    },
    /// SIGINT or SIGTERM: running steps finish, no new step starts.
    Interrupted {
        /// What was left undone.
        message: String,
    },
    /// The run ended.
    RunEnd {
        /// Each host's counts.
        recap: Vec<HostRecap>,
        /// How long the run took.
        elapsed_ms: u64,
        /// It was interrupted.
        interrupted: bool,
    },
}

impl Event {
    /// Every free-text field, for redaction.
    pub fn texts_mut(&mut self) -> Vec<&mut String> {
        match self {
            Event::RunStart { playbook, .. } => vec![playbook],
            Event::PhaseStart { phase, .. } => vec![phase],
            Event::StepStart { step, .. } => vec![step],
            Event::ItemResult(report) | Event::StepResult(report) => {
                let mut texts = vec![&mut report.step];
                texts.extend(report.item.as_mut());
                texts.extend(report.message.as_mut());
                if let Some(diff) = report.diff.as_mut() {
                    texts.extend([&mut diff.before, &mut diff.after]);
                }
                texts
            }
            Event::HostUnreachable { message, .. }
            | Event::Warning { message, .. }
            | Event::Interrupted { message } => vec![message],
            Event::RunEnd { .. } => Vec::new(),
        }
    }
}
