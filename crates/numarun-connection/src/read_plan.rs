//! The reads a phase's checks will make on a host, announced before they run: the one home of
//! the prefetch. Modules say what their check reads (`Module::planned_reads`), the engine gathers
//! a phase's into a `ReadPlan` by privilege (`engine/execute.rs::announce`), and a connection
//! where each read costs a round trip fetches them together on the first miss
//! (`ssh/prefetch.rs`). Answers stay exact; the plan only says what to fetch early.

use std::collections::HashMap;

use super::privilege::Privilege;

/// A path a coming check will read, and whether it will want the bytes too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedRead {
    /// The path.
    pub path: String,
    /// Whether the check will want its bytes too, not only its stat.
    pub content: bool,
}

/// The reads to come, in step order, for each privilege they are made with.
#[derive(Debug, Default)]
pub struct ReadPlan {
    by_privilege: HashMap<Privilege, Vec<PlannedRead>>,
}

impl ReadPlan {
    /// Adds a step's reads, made with `privilege`.
    pub fn add(&mut self, privilege: Privilege, reads: Vec<PlannedRead>) {
        if !reads.is_empty() {
            self.by_privilege.entry(privilege).or_default().extend(reads);
        }
    }

    /// The reads by privilege.
    pub fn into_map(self) -> HashMap<Privilege, Vec<PlannedRead>> {
        self.by_privilege
    }
}
