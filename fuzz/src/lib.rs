//! What every fuzz target shares: the loaders read files, so each input becomes one, in a folder
//! of this process's own.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

static SCRATCH: LazyLock<tempfile::TempDir> = LazyLock::new(|| tempfile::tempdir().expect("a scratch folder"));

/// Writes `data` to a file named `name` and hands its path to `load`.
pub fn as_file(data: &[u8], name: &str, load: impl FnOnce(&Path)) {
    let path: PathBuf = SCRATCH.path().join(name);
    std::fs::write(&path, data).expect("write the input");
    load(&path);
}
