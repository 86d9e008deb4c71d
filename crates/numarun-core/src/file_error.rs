//! A controller-side file that could not be read or written, saying which, where, and why: the
//! one shape of numarun's own file errors (a host's are `ConnectionError::Io`).

use std::fmt;
use std::path::Path;

/// What was being done to the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileOp {
    /// Reading it.
    Read,
    /// Writing it.
    Write,
    /// Making it (or its folder).
    Create,
}

impl fmt::Display for FileOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileOp::Read => "read",
            FileOp::Write => "write",
            FileOp::Create => "create",
        })
    }
}

/// A file that could not be read, written or created.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {op} {path}: {reason}")]
pub struct FileError {
    /// What was being done.
    pub op: FileOp,
    /// The file, as the user named it.
    pub path: String,
    /// Why it failed, in the system's words.
    pub reason: String,
}

impl FileError {
    /// `path` could not be read.
    pub fn read(path: &Path, reason: impl fmt::Display) -> FileError {
        FileError::new(FileOp::Read, path, reason)
    }

    /// `path` could not be written.
    pub fn write(path: &Path, reason: impl fmt::Display) -> FileError {
        FileError::new(FileOp::Write, path, reason)
    }

    /// `path` could not be created (or opened to append to).
    pub fn create(path: &Path, reason: impl fmt::Display) -> FileError {
        FileError::new(FileOp::Create, path, reason)
    }

    fn new(op: FileOp, path: &Path, reason: impl fmt::Display) -> FileError {
        FileError { op, path: path.display().to_string(), reason: reason.to_string() }
    }
}
