//! The digests `stat` and `find` offer a checksum in, each a coreutils program on the host.

use serde::Deserialize;

#[derive(Debug, Default, Clone, Copy, Deserialize)]
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
