//! `become`: whether, and as whom, a host runs what a step asks.

/// Whether, and as whom, to run with raised privileges.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Privilege {
    /// Run as another user (sudo).
    pub escalate: bool,
    /// That user; root when `None`.
    pub user: Option<String>,
}
