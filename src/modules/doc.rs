//! What a module says of itself beyond its arguments, for `numarun doc`: what it does, what
//! `--check` and `--diff` do with it, what it registers, and a step that uses it. Its arguments
//! are described by their types (`schemars`), the same ones the loader decodes them with.

/// What a module does under `--check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckMode {
    /// Reads the host and reports exactly what a run would change; changes nothing.
    Predicts,
    /// Reports a change every time (a reboot, an archive fetched to compare); does nothing.
    AlwaysChanges,
    /// Does in check mode what it does in a run: it only reads, reports, waits or sets variables.
    Runs,
    /// Unknown without running it, unless told how to tell (`creates`, `removes`).
    Unknown,
}

impl CheckMode {
    /// One sentence for `numarun doc`.
    pub fn describe(self) -> &'static str {
        match self {
            CheckMode::Predicts => "reads the host and reports exactly what would change",
            CheckMode::AlwaysChanges => "reports a change and does nothing",
            CheckMode::Runs => "runs as it does in a run: it changes nothing on the host",
            CheckMode::Unknown => "reports unknown, unless `creates` or `removes` tells it",
        }
    }
}

/// A module's own words. Every registered result also has `changed`, `failed`, `skipped` and
/// (most) `msg`; `returns` lists what it adds.
#[derive(Debug)]
pub struct ModuleDoc {
    /// What it does, in one line.
    pub summary: &'static str,
    /// What `--check` does with it.
    pub check_mode: CheckMode,
    /// `--diff` shows its changes as a unified diff.
    pub diff: bool,
    /// The registered result's further fields: name, meaning.
    pub returns: &'static [(&'static str, &'static str)],
    /// A step that uses it, as YAML (a list of one), checked by the tests to load.
    pub example: &'static str,
}
