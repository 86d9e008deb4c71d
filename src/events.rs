//! What the engine says happened. Printing, progress, the recap and the JSON
//! log are reporters that consume these; nothing else prints.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Changed,
    /// Check mode could not tell (a command without a read-only guard).
    Unknown,
    Failed,
    /// Failed, with `ignore_errors: true`.
    Ignored,
    Skipped,
    /// The connection was lost; the host sits out the rest of the run.
    Unreachable,
}

impl Status {
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
    pub path: String,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    pub host: String,
    pub phase: String,
    pub step: String,
    /// The loop item's label, for one item of a loop.
    pub item: Option<String>,
    pub status: Status,
    pub message: Option<String>,
    pub diff: Option<TextDiff>,
    pub handler: bool,
    /// The summary of a looped step, whose items were reported one by one.
    pub looped: bool,
    pub check_mode: bool,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct HostRecap {
    pub host: String,
    pub ok: usize,
    pub changed: usize,
    pub unknown: usize,
    pub failed: usize,
    pub skipped: usize,
    pub unreachable: usize,
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

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    RunStart {
        playbook: String,
        check_mode: bool,
    },
    PhaseStart {
        phase: String,
        hosts: Vec<String>,
    },
    StepStart {
        host: String,
        phase: String,
        step: String,
        index: usize,
        total: usize,
    },
    /// One item of a looped step.
    ItemResult(StepReport),
    StepResult(StepReport),
    HostUnreachable {
        host: String,
        phase: String,
        message: String,
    },
    /// Something the user must know on every run (e.g. host keys not verified).
    Warning {
        host: String,
        message: String,
    },
    /// SIGINT or SIGTERM: running steps finish, no new step starts.
    Interrupted {
        message: String,
    },
    RunEnd {
        recap: Vec<HostRecap>,
        elapsed_ms: u64,
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
