//! Files numarun writes on the controller as output (the placement map, the performance
//! report): written beside their final path and renamed, so a reader never sees half of one.

use std::path::{Path, PathBuf};

use crate::file_error::FileError;

/// Writes `text` to `path` on the controller, whole or not at all.
pub fn write(path: &Path, text: &str) -> Result<(), FileError> {
    let failed = |e: std::io::Error| FileError::write(path, e);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    let partial = PathBuf::from(format!("{}.numarun-partial", path.display()));
    std::fs::write(&partial, text).map_err(failed)?;
    std::fs::rename(&partial, path).map_err(failed)
}
