//! The vault passwords a run was given, each under its vault id, and decryption with them in
//! Ansible's order: the password whose id the envelope names first, then every other.

use std::fmt;

use super::aes256;
use super::envelope::Envelope;
use super::error::VaultError;

/// A vault password and the id it was given under (`default` unless `--vault-id LABEL@…`).
pub struct VaultPassword {
    /// The vault id.
    pub id: String,
    /// The password's bytes, trailing line ends removed.
    pub password: Vec<u8>,
    /// Where it came from, for messages (a file's path, `prompt`): never the password.
    pub source: String,
}

impl fmt::Debug for VaultPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VaultPassword({}@{})", self.id, self.source)
    }
}

/// The run's vault passwords.
#[derive(Debug, Default)]
pub struct Keyring {
    passwords: Vec<VaultPassword>,
}

impl Keyring {
    /// A keyring holding these passwords, tried in this order.
    pub fn new(passwords: Vec<VaultPassword>) -> Keyring {
        Keyring { passwords }
    }

    /// Decrypts an envelope.
    pub fn decrypt(&self, vaulttext: &str) -> Result<String, VaultError> {
        if self.passwords.is_empty() {
            return Err(VaultError::NoPassword);
        }
        let envelope = Envelope::parse(vaulttext)?;
        let named = envelope.vault_id.as_deref();
        // The envelope's id is a hint, not a check (Ansible's `vault_id_match` is off by default).
        let ordered = self
            .passwords
            .iter()
            .filter(|p| Some(p.id.as_str()) == named)
            .chain(self.passwords.iter().filter(|p| Some(p.id.as_str()) != named));
        for candidate in ordered {
            if let Some(plaintext) = aes256::decrypt(&envelope, &candidate.password) {
                return String::from_utf8(plaintext).map_err(|_| VaultError::NotText);
            }
        }
        let tried = self
            .passwords
            .iter()
            .map(|p| format!("{}@{}", p.id, p.source))
            .collect::<Vec<_>>()
            .join(", ");
        let named = match named {
            Some(id) if !self.passwords.iter().any(|p| p.id == id) => {
                format!("; it names the vault id `{id}`, which no password was given under")
            }
            _ => String::new(),
        };
        Err(VaultError::WrongPassword { tried, named })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Written by ansible-core 2.19's `ansible-vault encrypt_string --vault-id prod@FILE 'tiny'`,
    /// the file holding `hunter2-pass`.
    const TINY: &str = "$ANSIBLE_VAULT;1.2;AES256;prod
62316536333465353339333234303762653862633363306133616537376534653062313932353636
6133656333306163313365346436623233623366333464330a663234313365396336393837653737
37323732386666633366633130623863646638373735656630643764623865626662376361643838
6462383664353664620a363063326339336231323163376338343164636239323632613834376231
3139";

    /// `ansible-vault encrypt` (1.1, no id) of `db_password: s3cret-value\n`, same password.
    const FILE: &str = "$ANSIBLE_VAULT;1.1;AES256
38656363613238383635323031623038653866343962643631336435326638323038643434303064
3235656232623730316535383363346234383863633263390a316337363538313365306631656632
39313065303661646266373065653731666566653630616361333431396639303063333237393835
6537353861636562640a363962363435363634326331613335653333613138376535356663366132
34643236313266666533383131356335393530363262623266616361326366663336
";

    fn ring(passwords: &[(&str, &str)]) -> Keyring {
        Keyring::new(
            passwords
                .iter()
                .map(|(id, pw)| VaultPassword {
                    id: id.to_string(),
                    password: pw.as_bytes().to_vec(),
                    source: "test".into(),
                })
                .collect(),
        )
    }

    #[test]
    fn decrypts_what_ansible_vault_wrote() {
        let keyring = ring(&[("default", "hunter2-pass")]);
        assert_eq!(keyring.decrypt(TINY).unwrap(), "tiny");
        assert_eq!(keyring.decrypt(FILE).unwrap(), "db_password: s3cret-value\n");
    }

    #[test]
    fn tries_every_password_the_named_id_first() {
        let keyring = ring(&[("dev", "nope"), ("prod", "hunter2-pass")]);
        assert_eq!(keyring.decrypt(TINY).unwrap(), "tiny");
        let keyring = ring(&[("dev", "hunter2-pass")]);
        assert_eq!(keyring.decrypt(TINY).unwrap(), "tiny", "the id is a hint, not a check");
    }

    #[test]
    fn a_wrong_password_or_an_altered_text_is_refused_naming_what_was_tried() {
        let error = ring(&[("dev", "nope")]).decrypt(TINY).unwrap_err().to_string();
        assert!(error.contains("tried dev@test"), "{error}");
        assert!(error.contains("`prod`"), "{error}");
        let altered = TINY.replacen("6231", "6232", 1);
        assert!(ring(&[("default", "hunter2-pass")]).decrypt(&altered).is_err());
        let error = Keyring::default().decrypt(TINY).unwrap_err().to_string();
        assert!(error.contains("--vault-password-file"), "{error}");
        assert!(matches!(
            ring(&[("a", "b")]).decrypt("$ANSIBLE_VAULT;1.1;AES128\n00"),
            Err(VaultError::Cipher(_))
        ));
    }
}
