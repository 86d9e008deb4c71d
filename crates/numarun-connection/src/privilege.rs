//! `become`: whether, and as whom, and how, a host runs what a step asks.

/// Whether, and as whom, to run with raised privileges.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Privilege {
    /// Run as another user.
    pub escalate: bool,
    /// That user; root when `None`.
    pub user: Option<String>,
    /// The program that switches to that user.
    pub method: BecomeMethod,
}

/// `become_method`: the ones whose password numarun can hand over on stdin, without a terminal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum BecomeMethod {
    /// `sudo`: the login user's password (`sudo -S`), or none where sudoers allow it.
    #[default]
    Sudo,
    /// `su`: the target user's password (util-linux su reads it from stdin when stdin is not a
    /// terminal), or none when the login user is root.
    Su,
}

impl BecomeMethod {
    /// The method `ansible_become_method` names, if numarun has it.
    pub fn named(name: &str) -> Option<BecomeMethod> {
        match name {
            "sudo" => Some(BecomeMethod::Sudo),
            "su" => Some(BecomeMethod::Su),
            _ => None,
        }
    }
}
