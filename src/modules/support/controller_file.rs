//! Files numarun writes on the controller as output (the placement map, the performance
//! report): written beside their final path and renamed, so a reader never sees half of one.

use std::path::{Path, PathBuf};

use crate::modules::error::ModuleError;

pub fn write(path: &Path, text: &str) -> Result<(), ModuleError> {
    let failed = |e: std::io::Error| ModuleError::failed(format!("{}: {e}", path.display()));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    let partial = PathBuf::from(format!("{}.numarun-partial", path.display()));
    std::fs::write(&partial, text).map_err(failed)?;
    std::fs::rename(&partial, path).map_err(failed)
}
