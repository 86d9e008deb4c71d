//! Ansible's digest filters: `hash('sha256')`, `checksum`, `md5`, `sha1`, `to_uuid`,
//! `password_hash`.

use minijinja::{Environment, Error};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

use super::filter_error::invalid;

/// Ansible's namespace for `to_uuid`.
const ANSIBLE_UUID_NAMESPACE: [u8; 16] = [
    0x36, 0x1e, 0x6d, 0x51, 0xfa, 0xec, 0x44, 0x4a, 0x90, 0x79, 0x34, 0x13, 0x86, 0xda, 0x8e, 0x2e,
];

pub fn register(env: &mut Environment<'static>) {
    env.add_filter("hash", |data: String, kind: Option<String>| {
        hash(&data, kind.as_deref().unwrap_or("sha1"))
    });
    env.add_filter("checksum", |data: String| hash(&data, "sha1"));
    env.add_filter("sha1", |data: String| hash(&data, "sha1"));
    env.add_filter("md5", |data: String| hash(&data, "md5"));
    env.add_filter("to_uuid", to_uuid);
    env.add_filter("password_hash", super::password_hash::filter);
}

/// The hex digest of the text's UTF-8 bytes.
fn hash(data: &str, kind: &str) -> Result<String, Error> {
    let bytes = data.as_bytes();
    let digest = match kind {
        "md5" => return Ok(format!("{:x}", md5::compute(bytes))),
        "sha1" => Sha1::digest(bytes).to_vec(),
        "sha256" => Sha256::digest(bytes).to_vec(),
        "sha384" => Sha384::digest(bytes).to_vec(),
        "sha512" => Sha512::digest(bytes).to_vec(),
        other => {
            return Err(invalid(format!(
                "hash: `{other}` is not supported (md5, sha1, sha256, sha384, sha512)"
            )));
        }
    };
    Ok(hex(&digest))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A name-based (version 5) UUID in Ansible's namespace, or the one given.
fn to_uuid(name: String, namespace: Option<String>) -> Result<String, Error> {
    let namespace = match namespace {
        None => ANSIBLE_UUID_NAMESPACE.to_vec(),
        Some(text) => {
            let digits: String = text.chars().filter(|c| *c != '-').collect();
            (0..digits.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(digits.get(i..i + 2).unwrap_or("x"), 16))
                .collect::<Result<Vec<u8>, _>>()
                .ok()
                .filter(|b| b.len() == 16)
                .ok_or_else(|| invalid(format!("to_uuid: `{text}` is not a UUID")))?
        }
    };
    let mut input = namespace;
    input.extend_from_slice(name.as_bytes());
    let digest = Sha1::digest(&input);
    let mut bytes: [u8; 16] = digest[..16].try_into().expect("20 bytes");
    bytes[6] = (bytes[6] & 0x0f) | 0x50;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let h = hex(&bytes);
    Ok(format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..]))
}
