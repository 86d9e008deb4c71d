//! The digests `stat` and `find` offer a checksum in, each a coreutils program on the host.

use serde::Deserialize;

#[derive(Debug, Default, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Digest {
    Md5,
    #[default]
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Digest {
    /// The program that prints it.
    pub fn program(self) -> &'static str {
        match self {
            Digest::Md5 => "md5sum",
            Digest::Sha1 => "sha1sum",
            Digest::Sha224 => "sha224sum",
            Digest::Sha256 => "sha256sum",
            Digest::Sha384 => "sha384sum",
            Digest::Sha512 => "sha512sum",
        }
    }
}

/// The SHA-1 of bytes here on the controller, in hex: Ansible's checksum of a file.
pub fn sha1_hex(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, bytes);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}
