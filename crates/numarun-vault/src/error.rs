//! Why vault text could not be read.

/// Why vault text could not be read.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// Vaulted, and no password was given.
    #[error(
        "it is vault-encrypted and no vault password was given: pass --vault-password-file FILE, \
         --vault-id [ID@]FILE or --ask-vault-pass"
    )]
    NoPassword,
    /// Not a vault envelope ansible-vault would write.
    #[error("vault format error: {0}")]
    Format(String),
    /// A cipher other than `AES256`.
    #[error("the vault cipher {0} is not supported (ansible-vault writes AES256)")]
    Cipher(String),
    /// No password given decrypts it.
    #[error(
        "no vault password given decrypts it (tried {tried}){named}: check the password, or \
         give the one it was encrypted with"
    )]
    WrongPassword {
        /// The passwords tried, by id and source.
        tried: String,
        /// The id the envelope names, when none given has it.
        named: String,
    },
    /// Decrypted, but not text.
    #[error("it decrypts to bytes that are not UTF-8 text")]
    NotText,
}
