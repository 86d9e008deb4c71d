//! Where steps act: the one interface every module works through, so the
//! same module code serves the local machine and remote hosts.
#![deny(missing_docs)]

mod agent;
pub mod contract;
#[cfg(any(test, feature = "fake"))]
pub mod fake;
mod file_change;
mod local;
mod privilege;
mod read_plan;
mod shell;
pub mod shell_words;
pub(crate) mod ssh;

pub use contract::{
    Attrs, Command, Connection, ConnectionError, FileKind, Output, Program, Stat, random_token,
};
pub use local::{Local, write_atomic};
pub use privilege::{BecomeMethod, Privilege};
pub use read_plan::{PlannedRead, ReadPlan};
pub use ssh::{Policy, SshConnection, SshSession, SshSettings};

/// The connection keeper's own program (`numarun-keeper --socket PATH`): serves until idle.
pub use ssh::keeper::serve::main as keeper_main;
