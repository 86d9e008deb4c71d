//! What the steps of one role share: its variables and its folder.

use std::path::PathBuf;
use std::sync::Arc;

use crate::vars::VarMap;

/// What the steps of one role share.
#[derive(Debug)]
pub struct RoleContext {
    pub(crate) name: String,
    /// The role's folder: `files/` and `templates/` are found under it.
    pub(crate) dir: PathBuf,
    /// `defaults/`: the lowest precedence of all, below the inventory.
    pub(crate) defaults: Arc<VarMap>,
    /// `vars/`, and `role_name` / `role_path`: above the phase's variables.
    pub(crate) vars: Arc<VarMap>,
}
