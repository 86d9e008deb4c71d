//! Secrets never reach output: every event passes through here on its way
//! to any reporter.

use std::sync::RwLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use minijinja::value::{Value, ValueKind};

use crate::events::Event;

/// What a secret is replaced with.
pub const REDACTED: &str = "<redacted>";

/// Shorter values would blank out ordinary words; they are still hidden
/// wherever the step that made them is `no_log`.
const MIN_SECRET_LEN: usize = 4;

/// The run's secrets: every event is scrubbed of them.
#[derive(Debug, Default)]
pub struct Redactor {
    secrets: RwLock<Vec<String>>,
    /// How many of the vault's decrypted values have been taken in.
    vault_taken: AtomicUsize,
}

impl Redactor {
    /// Adds a secret.
    pub fn add(&self, secret: &str) {
        if secret.len() >= MIN_SECRET_LEN {
            let mut secrets = self.secrets.write().expect("redactor lock");
            if !secrets.iter().any(|s| s == secret) {
                secrets.push(secret.to_string());
                // Longest first, so a secret containing another is hidden whole.
                secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
            }
        }
    }

    /// A `no_log` step's registered result: its data is secret, not the command that made it
    /// (`cmd` names a file, a program; hiding those would hide ordinary text).
    pub fn add_result(&self, result: &Value) {
        match result.kind() {
            ValueKind::Map => {
                for key in result
                    .try_iter()
                    .into_iter()
                    .flatten()
                    .filter(|key| key.as_str() != Some("cmd"))
                {
                    let value = result.get_item(&key).unwrap_or_default();
                    match key.as_str() {
                        // A looped step's results, one per item.
                        Some("results") => value
                            .try_iter()
                            .into_iter()
                            .flatten()
                            .for_each(|item| self.add_result(&item)),
                        _ => self.add_value(&value),
                    }
                }
            }
            _ => self.add_value(result),
        }
    }

    /// Every string inside a value becomes a secret.
    pub fn add_value(&self, value: &Value) {
        match value.kind() {
            ValueKind::String => self.add(value.as_str().unwrap_or_default()),
            ValueKind::Seq | ValueKind::Map | ValueKind::Iterable => {
                for key in value.try_iter().into_iter().flatten() {
                    if value.kind() == ValueKind::Map {
                        self.add_value(&value.get_item(&key).unwrap_or_default());
                    } else {
                        self.add_value(&key);
                    }
                }
            }
            _ => {}
        }
    }

    /// Takes in what the vault decrypted since last asked: a vaulted file can be read at any
    /// time (a template, a role's vars), and its values are secrets from then on.
    fn take_vault_secrets(&self) {
        let taken = self.vault_taken.load(Ordering::Acquire);
        let new = crate::vault::revealed_after(taken);
        if !new.is_empty() {
            new.iter().for_each(|secret| self.add(secret));
            self.vault_taken.fetch_max(taken + new.len(), Ordering::AcqRel);
        }
    }

    /// Whether `text` holds any secret.
    pub fn reveals(&self, text: &str) -> bool {
        self.take_vault_secrets();
        self.secrets
            .read()
            .expect("redactor lock")
            .iter()
            .any(|secret| text.contains(secret.as_str()))
    }

    /// Replaces every secret in the text.
    pub fn scrub(&self, text: &mut String) {
        self.take_vault_secrets();
        let secrets = self.secrets.read().expect("redactor lock");
        for secret in secrets.iter() {
            if text.contains(secret.as_str()) {
                *text = text.replace(secret.as_str(), REDACTED);
            }
        }
    }

    /// Replaces every secret in the event.
    pub fn scrub_event(&self, event: &mut Event) {
        for text in event.texts_mut() {
            self.scrub(text);
        }
    }
}
