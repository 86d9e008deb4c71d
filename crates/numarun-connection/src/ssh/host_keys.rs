//! Host identity: the server's key must be in known_hosts (or pinned in the
//! inventory). A changed key is always refused, naming the file and line.

use std::path::PathBuf;

use russh::keys::{Algorithm, HashAlg, PublicKey, known_hosts};

/// What to do with a host key known_hosts does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Policy {
    /// An unknown host is refused.
    Strict,
    /// A first-seen key is recorded; a changed one is refused.
    AcceptNew,
    /// `ansible_host_key_checking: false`: every key is accepted, with a warning on every run.
    Insecure,
}

#[derive(Debug, thiserror::Error, Clone)]
pub enum HostKeyError {
    #[error(
        "the host key of {host} has CHANGED: {file}:{line} records another {algorithm} key; refusing to connect (if the change is expected, remove that line)"
    )]
    Changed { host: String, file: String, line: usize, algorithm: String },
    #[error(
        "unknown host key for {host}: {file} has no entry for it (record it, e.g. `ssh-keyscan -p PORT HOST >> {file}`, or set numarun_host_key_policy: accept-new)"
    )]
    Unknown { host: String, file: String },
    #[error("the host key of {host} is not the key pinned in the inventory (ansible_ssh_host_key)")]
    NotPinned { host: String },
    #[error("cannot use {file}: {reason}")]
    File { file: String, reason: String },
    #[error("{host} offered a certificate; host certificates are not supported")]
    Certificate { host: String },
}

#[derive(Debug, Clone)]
pub struct HostKeyCheck {
    /// The name known_hosts records: `address` or `[address]:port`.
    pub address: String,
    pub port: u16,
    pub file: PathBuf,
    pub policy: Policy,
    pub pinned: Vec<PublicKey>,
}

impl HostKeyCheck {
    fn label(&self) -> String {
        if self.port == 22 {
            self.address.clone()
        } else {
            format!("[{}]:{}", self.address, self.port)
        }
    }

    /// The keys the file records for this host, with their true line numbers.
    fn recorded(&self) -> Result<Vec<(usize, PublicKey)>, HostKeyError> {
        let unreadable =
            |reason: String| HostKeyError::File { file: self.file.display().to_string(), reason };
        let found = known_hosts::known_host_keys_path(&self.address, self.port, &self.file)
            .map_err(|e| unreadable(e.to_string()))?;
        if found.is_empty() {
            return Ok(found);
        }
        // russh counts only the lines that are not comments; map its count back to the file's lines.
        let text = std::fs::read_to_string(&self.file).map_err(|e| unreadable(e.to_string()))?;
        let entry_lines: Vec<usize> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.starts_with('#'))
            .map(|(i, _)| i + 1)
            .collect();
        Ok(found
            .into_iter()
            .map(|(n, key)| (entry_lines.get(n - 1).copied().unwrap_or(n), key))
            .collect())
    }

    /// Host key algorithms to offer, those we can verify first: russh's known_hosts
    /// check answers "unknown" when the file holds no key of the negotiated algorithm.
    pub fn preferred_algorithms(&self) -> Vec<Algorithm> {
        let known: Vec<PublicKey> = if self.pinned.is_empty() {
            self.recorded().unwrap_or_default().into_iter().map(|(_, k)| k).collect()
        } else {
            self.pinned.clone()
        };
        let mut algorithms = Vec::new();
        for key in &known {
            match key.algorithm() {
                Algorithm::Rsa { .. } => algorithms.extend([
                    Algorithm::Rsa { hash: Some(HashAlg::Sha512) },
                    Algorithm::Rsa { hash: Some(HashAlg::Sha256) },
                ]),
                other => algorithms.push(other),
            }
        }
        for algorithm in russh::Preferred::DEFAULT.key.iter() {
            algorithms.push(algorithm.clone());
        }
        let mut unique = Vec::new();
        for algorithm in algorithms {
            if !unique.contains(&algorithm) {
                unique.push(algorithm);
            }
        }
        unique
    }

    pub fn verify(&self, key: &PublicKey) -> Result<(), HostKeyError> {
        let host = self.label();
        if !self.pinned.is_empty() {
            return if self.pinned.iter().any(|p| p.key_data() == key.key_data()) {
                Ok(())
            } else {
                Err(HostKeyError::NotPinned { host })
            };
        }
        if self.policy == Policy::Insecure {
            return Ok(());
        }
        let recorded = self.recorded()?;
        for (line, known) in &recorded {
            if known.algorithm() == key.algorithm() {
                if known.key_data() == key.key_data() {
                    return Ok(());
                }
                return Err(HostKeyError::Changed {
                    host,
                    file: self.file.display().to_string(),
                    line: *line,
                    algorithm: key.algorithm().to_string(),
                });
            }
        }
        let file = self.file.display().to_string();
        match (self.policy, recorded.is_empty()) {
            (Policy::AcceptNew, true) => {
                if let Some(dir) = self.file.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| HostKeyError::File {
                        file: file.clone(),
                        reason: e.to_string(),
                    })?;
                }
                known_hosts::learn_known_hosts_path(&self.address, self.port, key, &self.file)
                    .map_err(|e| HostKeyError::File { file, reason: e.to_string() })
            }
            // Known under other algorithms only: not a first sighting, so not accepted silently.
            _ => Err(HostKeyError::Unknown { host, file }),
        }
    }
}
