//! The `AES256` vault cipher: PBKDF2-HMAC-SHA256 (10,000 rounds) turns the password and the salt
//! into an AES-256 key, an HMAC-SHA256 key and a CTR counter; the HMAC of the ciphertext is
//! checked before anything is decrypted, then the PKCS#7 padding is removed.

use aes::cipher::{KeyIvInit, StreamCipher};
use hmac::{KeyInit, Mac};
use sha2::Sha256;

use super::envelope::Envelope;

const ROUNDS: u32 = 10_000;
const KEY_LEN: usize = 32;
const BLOCK: usize = 16;

type Aes256Ctr = ctr::Ctr128BE<aes::Aes256>;

/// The plaintext, or `None` when the password is not the one it was encrypted with (or the
/// text was altered: the HMAC cannot tell the two apart).
pub(super) fn decrypt(envelope: &Envelope, password: &[u8]) -> Option<Vec<u8>> {
    let mut derived = [0u8; 2 * KEY_LEN + BLOCK];
    pbkdf2::pbkdf2_hmac::<Sha256>(password, &envelope.salt, ROUNDS, &mut derived);
    let (cipher_key, rest) = derived.split_at(KEY_LEN);
    let (hmac_key, counter) = rest.split_at(KEY_LEN);
    let mut signer = hmac::Hmac::<Sha256>::new_from_slice(hmac_key).ok()?;
    signer.update(&envelope.ciphertext);
    // Compared in constant time.
    signer.verify_slice(&envelope.hmac).ok()?;
    let mut text = envelope.ciphertext.clone();
    Aes256Ctr::new_from_slices(cipher_key, counter).ok()?.apply_keystream(&mut text);
    let pad = usize::from(*text.last()?);
    let padded = (1..=BLOCK).contains(&pad)
        && text.len() >= pad
        && text[text.len() - pad..].iter().all(|&b| usize::from(b) == pad);
    padded.then(|| {
        text.truncate(text.len() - pad);
        text
    })
}
