//! What the command line asks of a run.

use std::path::PathBuf;

use crate::schedule::Selection;
use crate::vars::VarMap;

#[derive(Debug, Clone)]
/// What the command line asks of a run: check mode, diffs, forks, `-e`, where the playbook is.
pub struct RunOptions {
    pub check: bool,
    pub diff: bool,
    pub forks: usize,
    pub extra_vars: VarMap,
    pub playbook_dir: PathBuf,
    /// From `-K`: used where no `ansible_become_password` is set.
    pub become_password: Option<String>,
    /// `--force-handlers` (or ansible.cfg's `force_handlers`): a failed host runs its notified
    /// handlers, unless its play says otherwise.
    pub force_handlers: bool,
    /// `--tags` and `--skip-tags`, for the steps an `include_tasks` reads while running.
    pub selection: Selection,
}
