use serde::de::DeserializeOwned;

use super::de::decode;
use super::node::{Node, NodeKind};
use crate::diag::{Diag, DiagKind, did_you_mean};

/// Reads the keys of a mapping one by one and rejects whatever is left over,
/// so a typo in a playbook is an error with a suggestion, never ignored.
pub struct Fields<'a> {
    node: &'a Node,
    what: &'static str,
    entries: &'a [(Node, Node)],
    taken: Vec<bool>,
}

impl<'a> Fields<'a> {
    /// The fields of a mapping; `what` names its keys in errors.
    pub fn new(node: &'a Node, what: &'static str) -> Result<Fields<'a>, Diag> {
        let entries = node.expect_map(what)?;
        for (key, _) in entries {
            key.expect_str("a key")?;
        }
        Ok(Fields { node, what, entries, taken: vec![false; entries.len()] })
    }

    /// The mapping itself.
    pub fn node(&self) -> &'a Node {
        self.node
    }

    /// The value under the first of `keys` present (aliases such as `tasks`/`steps`).
    pub fn take(&mut self, keys: &[&str]) -> Option<&'a Node> {
        let index = self
            .entries
            .iter()
            .position(|(k, _)| keys.contains(&k.as_str().unwrap_or_default()))?;
        self.taken[index] = true;
        Some(&self.entries[index].1)
    }

    /// A typed value, or `None` when the key is absent or null.
    pub fn get<T: DeserializeOwned>(&mut self, key: &str) -> Result<Option<T>, Diag> {
        match self.take(&[key]) {
            Some(node) if !matches!(node.kind, NodeKind::Null) => decode(node).map(Some),
            _ => Ok(None),
        }
    }

    /// Takes a key that must be there.
    pub fn require(&mut self, key: &'static str) -> Result<&'a Node, Diag> {
        self.take(&[key]).ok_or_else(|| {
            Diag::at(&self.node.span, DiagKind::MissingKey { what: "key", key: key.into() })
        })
    }

    /// The keys nobody took, with their values.
    pub fn rest(&self) -> impl Iterator<Item = (&'a Node, &'a Node)> + '_ {
        self.entries.iter().zip(&self.taken).filter(|(_, taken)| !**taken).map(|((k, v), _)| (k, v))
    }

    /// Fails on the first key nobody took, suggesting the closest known one.
    pub fn finish(self, known: &[&str]) -> Result<(), Diag> {
        match self.rest().next() {
            None => Ok(()),
            Some((key, _)) => {
                let name = key.as_str().unwrap_or_default();
                Err(Diag::at(
                    &key.span,
                    DiagKind::UnknownKey {
                        what: self.what,
                        key: name.into(),
                        did_you_mean: did_you_mean(name, known.iter().copied()),
                    },
                ))
            }
        }
    }
}
