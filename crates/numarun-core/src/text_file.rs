//! Text files numarun reads on the controller (playbooks, inventories, templates, lookups), read
//! with a bound: a path that never ends (`/dev/zero`, a FIFO fed forever) is refused at the
//! bound instead of filling memory, and so is a file merely too large. A file `ansible-vault`
//! encrypted is decrypted, as Ansible reads any file it loads.

use std::io::Read;
use std::path::Path;

use crate::file_error::FileError;

/// Larger than any playbook, template or plan; smaller than what would hurt.
pub const MAX_TEXT_BYTES: u64 = 16 * 1024 * 1024;

/// The file's text (decrypted, if vaulted), or why not.
pub fn read(path: &Path) -> Result<String, FileError> {
    read_telling(path).map(|(text, _)| text)
}

/// The file's text (decrypted, if vaulted), and whether it was vaulted: every value in a
/// vaulted file is a secret.
pub fn read_telling(path: &Path) -> Result<(String, bool), FileError> {
    let text = read_plain(path)?;
    match crate::vault::is_vaulted(&text) {
        true => crate::vault::decrypt(&text)
            .map(|plain| (plain, true))
            .map_err(|e| FileError::read(path, &e)),
        false => Ok((text, false)),
    }
}

/// The file's text as it is on disk.
fn read_plain(path: &Path) -> Result<String, FileError> {
    let failed = |reason: &dyn std::fmt::Display| FileError::read(path, reason);
    let file = std::fs::File::open(path).map_err(|e| failed(&e))?;
    let mut bytes = Vec::new();
    file.take(MAX_TEXT_BYTES + 1).read_to_end(&mut bytes).map_err(|e| failed(&e))?;
    if bytes.len() as u64 > MAX_TEXT_BYTES {
        return Err(failed(&format!("over the {MAX_TEXT_BYTES}-byte limit for a text file")));
    }
    String::from_utf8(bytes).map_err(|_| failed(&"not UTF-8 text"))
}
