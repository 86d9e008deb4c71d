//! Exit codes: the one list, ansible-playbook's where it has one.

/// How numarun ends, as the shell sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// All went well.
    Ok,
    /// A playbook, inventory, variable or plan file could not be used; nothing ran.
    Invalid,
    /// A step failed; for `validate`, the plan has errors.
    Failed,
    /// A host was unreachable.
    Unreachable,
    /// The command line was wrong.
    Usage,
    /// Stopped by SIGINT or SIGTERM.
    Interrupted,
}

impl ExitCode {
    /// The number the process exits with.
    pub fn code(self) -> i32 {
        match self {
            ExitCode::Ok => 0,
            ExitCode::Invalid => 1,
            ExitCode::Failed => 2,
            ExitCode::Unreachable => 4,
            ExitCode::Usage => 5,
            // 128 + SIGINT, as shells report a process stopped by it.
            ExitCode::Interrupted => 130,
        }
    }
}
