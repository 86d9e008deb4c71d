//! Variables of one scope, as written or as computed: the leaf every layer that holds variables
//! shares (the model stores them, templates read them, the engine layers them).

use std::collections::BTreeMap;

use minijinja::Value;

use crate::diag::Diag;
use crate::yaml::{Node, NodeKind};

/// A variable as written (still to be templated on use) or as computed.
#[derive(Debug, Clone)]
pub enum VarValue {
    /// As written: templated where it is read, in the scope that reads it.
    Written(Node),
    /// Computed: a fact, a registered result, a value `-e` gave.
    Computed(Value),
}

/// Variables of one scope: a group, a host, a phase, a step, `-e`.
#[derive(Debug, Clone, Default)]
pub struct VarMap(pub BTreeMap<String, VarValue>);

impl VarMap {
    /// The variables a mapping writes (`vars:`), each name checked.
    pub fn from_node(node: &Node) -> Result<VarMap, Diag> {
        let mut vars = VarMap::default();
        if matches!(node.kind, NodeKind::Null) {
            return Ok(vars);
        }
        for (key, value) in node.expect_map("variables")? {
            let name = key.expect_str("a variable name")?;
            if !is_identifier(name) {
                return Err(Diag::invalid(
                    &key.span,
                    format!(
                        "`{name}` is not a valid variable name (letters, digits and _; not starting with a digit)"
                    ),
                ));
            }
            vars.0.insert(name.to_string(), VarValue::Written(value.clone()));
        }
        Ok(vars)
    }

    /// Sets a computed value.
    pub fn insert_value(&mut self, name: &str, value: Value) {
        self.0.insert(name.to_string(), VarValue::Computed(value));
    }

    /// Later definitions replace earlier ones whole (Ansible's `hash_behaviour=replace`).
    pub fn extend(&mut self, other: VarMap) {
        self.0.extend(other.0);
    }

    /// A variable's value.
    pub fn get(&self, name: &str) -> Option<&VarValue> {
        self.0.get(name)
    }

    /// No variable at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A name Ansible takes for a variable: letters, digits and `_`, not starting with a digit.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
