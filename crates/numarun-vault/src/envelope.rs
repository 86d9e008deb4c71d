//! The vault envelope: a header line, `$ANSIBLE_VAULT;1.1;AES256` or
//! `$ANSIBLE_VAULT;1.2;AES256;ID`, then hex lines that hold, hex again, the salt, the HMAC and
//! the ciphertext, one per line.

use super::error::VaultError;

const HEADER: &str = "$ANSIBLE_VAULT";

/// Whether the text is vault-encrypted (starts with the vault header, as Ansible tests it).
pub fn is_vaulted(text: &str) -> bool {
    text.trim_start_matches(char::is_whitespace).starts_with(HEADER)
}

/// An envelope taken apart.
#[derive(Debug)]
pub(super) struct Envelope {
    /// The vault id named in a 1.2 header: a hint of which password to try first.
    pub(super) vault_id: Option<String>,
    pub(super) salt: Vec<u8>,
    pub(super) hmac: Vec<u8>,
    pub(super) ciphertext: Vec<u8>,
}

impl Envelope {
    pub(super) fn parse(text: &str) -> Result<Envelope, VaultError> {
        let format = |why: &str| VaultError::Format(why.to_string());
        let mut lines = text.trim().lines().map(str::trim);
        let header: Vec<&str> = lines.next().unwrap_or_default().split(';').collect();
        if header.first() != Some(&HEADER) || header.len() < 3 {
            return Err(format("the first line is not `$ANSIBLE_VAULT;VERSION;CIPHER`"));
        }
        if !matches!(header[1], "1.1" | "1.2") {
            return Err(format(&format!(
                "version {} (ansible-vault writes 1.1 and 1.2)",
                header[1]
            )));
        }
        if header[2] != "AES256" {
            return Err(VaultError::Cipher(header[2].to_string()));
        }
        let vault_id = header.get(3).map(|id| id.to_string()).filter(|id| !id.is_empty());
        let body =
            unhex(&lines.collect::<String>()).ok_or_else(|| format("the body is not hex"))?;
        let body = String::from_utf8(body).map_err(|_| format("the body is not hex lines"))?;
        let mut parts = body.splitn(3, '\n');
        let mut part = |name: &str| {
            parts
                .next()
                .and_then(unhex)
                .ok_or_else(|| format(&format!("the body's {name} is missing or not hex")))
        };
        Ok(Envelope {
            vault_id,
            salt: part("salt")?,
            hmac: part("HMAC")?,
            ciphertext: part("ciphertext")?,
        })
    }
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(text.get(at..at + 2)?, 16).ok())
        .collect()
}
