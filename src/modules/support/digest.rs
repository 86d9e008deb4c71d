//! Digests computed here on the controller. (On a host, a digest is a probe's program:
//! `probe::Digest`.)

/// The SHA-1 of bytes here on the controller, in hex: Ansible's checksum of a file.
pub fn sha1_hex(bytes: &[u8]) -> String {
    use sha1::Digest;
    sha1::Sha1::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
