//! What every layer of numarun stands on: the events a run emits and their exit codes, files
//! read on the controller and their errors, located diagnostics, the scrubbing of secrets,
//! YAML read into nodes that remember where they were written, and variables of one scope.
#![deny(missing_docs)]

pub mod diag;
pub mod events;
pub mod exit;
pub mod file_error;
pub mod redact;
pub mod text_file;
pub mod vars;
pub mod yaml;

/// Ansible Vault, which reading a file and scrubbing output both need.
use numarun_vault as vault;
