//! `vars_prompt`: variables a play asks for on the terminal before it runs.

use crate::diag::{Diag, Span};
use crate::yaml::{Fields, Node};

/// One variable a play asks for.
#[derive(Debug, Clone)]
pub struct Prompt {
    /// The variable it sets.
    pub name: String,
    /// What the terminal shows (the name when none is written).
    pub text: String,
    /// Used when the answer is empty, or when there is no terminal to ask on.
    pub default: Option<String>,
    /// The answer is not echoed, and is a secret (Ansible's default: true).
    pub private: bool,
    /// Asked twice; the two must match.
    pub confirm: bool,
    /// Where it is written.
    pub span: Span,
}

impl Prompt {
    /// A play's `vars_prompt` list.
    pub fn list(node: &Node) -> Result<Vec<Prompt>, Diag> {
        node.expect_seq("`vars_prompt` (a list)")?.iter().map(Prompt::parse).collect()
    }

    fn parse(node: &Node) -> Result<Prompt, Diag> {
        let mut fields = Fields::new(node, "vars_prompt key")?;
        let name = fields.require("name")?.expect_str("a variable name")?.to_string();
        if !crate::vars::is_identifier(&name) {
            return Err(Diag::invalid(
                &node.span,
                format!("`{name}` is not a valid variable name"),
            ));
        }
        let text = fields.get::<String>("prompt")?.unwrap_or_else(|| name.clone());
        let default = fields.take(&["default"]).map(Node::scalar_text);
        let private = fields.get::<bool>("private")?.unwrap_or(true);
        let confirm = fields.get::<bool>("confirm")?.unwrap_or(false);
        if let Some(encrypt) = fields.take(&["encrypt"]) {
            return Err(Diag::invalid(&encrypt.span, "`encrypt` is not supported yet")
                .with_help("hash the answer in a step (`password_hash` is not there yet either)"));
        }
        fields.take(&["unsafe"]);
        fields.finish(&["name", "prompt", "default", "private", "confirm", "unsafe"])?;
        Ok(Prompt { name, text, default, private, confirm, span: node.span.clone() })
    }
}
