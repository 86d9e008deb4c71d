//! How a run ended, and so its exit code.

use crate::events::HostRecap;
use crate::exit::ExitCode;

/// How the run ended, for the exit code.
#[derive(Debug, Default)]
pub struct Summary {
    /// Each host's counts, in the order the hosts first ran.
    pub recap: Vec<HostRecap>,
    pub interrupted: bool,
}

impl Summary {
    /// Interrupted, else a host unreachable, else a step failed (as ansible-playbook), else ok.
    pub fn exit_code(&self) -> ExitCode {
        if self.interrupted {
            ExitCode::Interrupted
        } else if self.recap.iter().any(|r| r.unreachable > 0) {
            ExitCode::Unreachable
        } else if self.recap.iter().any(|r| r.failed > 0) {
            ExitCode::Failed
        } else {
            ExitCode::Ok
        }
    }
}
