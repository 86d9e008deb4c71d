//! How a module fails.

use crate::connection::ConnectionError;
use crate::diag::Diag;
use crate::file_error::FileError;

/// Why a module could not do its work.
#[derive(Debug, thiserror::Error)]
pub enum ModuleError {
    /// The host could not be reached or did not do what was asked.
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    /// The module's own failure, in words.
    #[error("{0}")]
    Failed(String),
    /// A file on the controller (a `src:`, a template, a report) could not be read or written.
    #[error(transparent)]
    File(#[from] FileError),
    /// Missing something an earlier step makes: unknown in check mode, a failure otherwise.
    #[error("{0}")]
    NotYet(String),
    /// An argument or template that cannot be used, with its place in the playbook.
    #[error(transparent)]
    Diag(#[from] Diag),
}

impl ModuleError {
    /// The module's own failure, in words.
    pub fn failed(why: impl std::fmt::Display) -> ModuleError {
        ModuleError::Failed(why.to_string())
    }
}
