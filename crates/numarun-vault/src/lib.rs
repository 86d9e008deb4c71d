//! Ansible Vault: values and files encrypted by `ansible-vault` (format 1.1, and 1.2 with a vault
//! id), read with the passwords the user gave. What is decrypted is a secret: it is remembered
//! here, and every output is scrubbed of it (see `redact`).
//!
//! The passwords are installed once per process, before anything is read, by the command line
//! (`--vault-password-file`, `--vault-id`, `--ask-vault-pass`): a file can be vaulted anywhere a
//! file is read (inventories, vars files, templates), and every reader reaching for the same
//! keyring is simpler than threading it through each of them.
#![deny(missing_docs)]

mod aes256;
mod envelope;
mod error;
mod keyring;

use std::sync::{Mutex, OnceLock};

pub use envelope::is_vaulted;
pub use error::VaultError;
pub use keyring::{Keyring, VaultPassword};

static KEYRING: OnceLock<Keyring> = OnceLock::new();

/// Every text decrypted so far, in the order revealed.
static REVEALED: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Installs the run's vault passwords. The first call wins: a process runs one command.
pub fn install(keyring: Keyring) {
    let _ = KEYRING.set(keyring);
}

/// Decrypts vault text (an envelope, `$ANSIBLE_VAULT;…`) with the installed passwords, and
/// remembers the plaintext as a secret.
pub fn decrypt(vaulttext: &str) -> Result<String, VaultError> {
    let empty = Keyring::default();
    let plaintext = KEYRING.get().unwrap_or(&empty).decrypt(vaulttext)?;
    reveal(&plaintext);
    // A vaulted file shown in a diff shows its lines one by one.
    plaintext.lines().for_each(reveal);
    Ok(plaintext)
}

/// Marks a text as secret: a decrypted file's values, which are secrets one by one.
pub fn reveal(secret: &str) {
    let secret = secret.trim();
    if secret.is_empty() {
        return;
    }
    let mut revealed = REVEALED.lock().expect("vault lock");
    if !revealed.iter().any(|known| known == secret) {
        revealed.push(secret.to_string());
    }
}

/// The secrets revealed after the first `known` ones (so a reader takes each once).
pub fn revealed_after(known: usize) -> Vec<String> {
    REVEALED.lock().expect("vault lock").iter().skip(known).cloned().collect()
}
