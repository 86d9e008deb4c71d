//! Secrets never reach output: every event passes through here on its way
//! to any reporter.

use std::sync::RwLock;

use minijinja::value::{Value, ValueKind};

use crate::events::Event;

pub const REDACTED: &str = "<redacted>";

/// Shorter values would blank out ordinary words; they are still hidden
/// wherever the step that made them is `no_log`.
const MIN_SECRET_LEN: usize = 4;

#[derive(Debug, Default)]
pub struct Redactor {
    secrets: RwLock<Vec<String>>,
}

impl Redactor {
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

    pub fn scrub(&self, text: &mut String) {
        let secrets = self.secrets.read().expect("redactor lock");
        for secret in secrets.iter() {
            if text.contains(secret.as_str()) {
                *text = text.replace(secret.as_str(), REDACTED);
            }
        }
    }

    pub fn scrub_event(&self, event: &mut Event) {
        for text in event.texts_mut() {
            self.scrub(text);
        }
    }
}
