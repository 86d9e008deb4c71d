//! How a run ended, and so its exit code.

use crate::events::HostRecap;

/// Exit code of a run stopped by SIGINT or SIGTERM (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: i32 = 130;

/// How the run ended, for the exit code.
#[derive(Debug, Default)]
pub struct Summary {
    pub recap: Vec<HostRecap>,
    pub interrupted: bool,
}

impl Summary {
    /// 0 all well, 2 a step failed, 4 a host was unreachable (as ansible-playbook), 130 interrupted.
    pub fn exit_code(&self) -> i32 {
        if self.interrupted {
            EXIT_INTERRUPTED
        } else if self.recap.iter().any(|r| r.unreachable > 0) {
            4
        } else if self.recap.iter().any(|r| r.failed > 0) {
            2
        } else {
            0
        }
    }
}
