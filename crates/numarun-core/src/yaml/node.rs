use crate::diag::{Diag, DiagKind, Span};

/// A YAML value and where it was written.
#[derive(Debug, Clone)]
pub struct Node {
    /// What it holds.
    pub kind: NodeKind,
    /// Where it is written.
    pub span: Span,
}

/// A YAML value.
#[derive(Debug, Clone)]
pub enum NodeKind {
    /// `null`, `~` or nothing.
    Null,
    /// `true`, `yes`, …
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A decimal number.
    Float(f64),
    /// A string.
    Str(String),
    /// A list.
    Seq(Vec<Node>),
    /// A mapping, in written order.
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// A node of this kind at this place.
    pub fn new(kind: NodeKind, span: Span) -> Node {
        Node { kind, span }
    }

    /// A short name for messages: "a string", "a mapping" …
    pub fn type_name(&self) -> String {
        match &self.kind {
            NodeKind::Null => "nothing (null)".into(),
            NodeKind::Bool(b) => format!("the boolean {b}"),
            NodeKind::Int(_) | NodeKind::Float(_) => format!("the number {}", self.scalar_text()),
            NodeKind::Str(_) => "a string".into(),
            NodeKind::Seq(_) => "a list".into(),
            NodeKind::Map(_) => "a mapping".into(),
        }
    }

    /// The scalar as written where it came from a file, else its value.
    pub fn scalar_text(&self) -> String {
        match &self.kind {
            NodeKind::Str(s) => s.clone(),
            NodeKind::Int(i) => {
                let written = self.span.text();
                if written.trim_start_matches(['-', '+']).starts_with(|c: char| c.is_ascii_digit())
                {
                    written.to_string()
                } else {
                    i.to_string()
                }
            }
            NodeKind::Float(f) => f.to_string(),
            NodeKind::Bool(b) => b.to_string(),
            NodeKind::Null => String::new(),
            NodeKind::Seq(_) | NodeKind::Map(_) => String::new(),
        }
    }

    /// Its text, if it is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Whether it is a string holding Jinja.
    pub fn is_template(&self) -> bool {
        self.as_str().is_some_and(is_template)
    }

    /// The entries of a mapping, or an error naming what was expected.
    pub fn expect_map(&self, what: &str) -> Result<&[(Node, Node)], Diag> {
        match &self.kind {
            NodeKind::Map(entries) => Ok(entries),
            _ => Err(self.wrong_type(&Self::shaped(what, "a mapping"))),
        }
    }

    /// Its items, or an error naming `what` was expected.
    pub fn expect_seq(&self, what: &str) -> Result<&[Node], Diag> {
        match &self.kind {
            NodeKind::Seq(items) => Ok(items),
            _ => Err(self.wrong_type(&Self::shaped(what, "a list"))),
        }
    }

    /// Its text, or an error naming `what` was expected.
    pub fn expect_str(&self, what: &str) -> Result<&str, Diag> {
        self.as_str().ok_or_else(|| self.wrong_type(&Self::shaped(what, "a string")))
    }

    /// `what` names the thing and, in parentheses, its shape unless it says it already.
    fn shaped(what: &str, shape: &str) -> String {
        if what.ends_with(')') { what.to_string() } else { format!("{what} ({shape})") }
    }

    /// An error saying `expected` was wanted here.
    pub fn wrong_type(&self, expected: &str) -> Diag {
        Diag::at(
            &self.span,
            DiagKind::WrongType { expected: expected.into(), found: self.type_name() },
        )
    }

    /// Value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            NodeKind::Map(entries) => {
                entries.iter().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v)
            }
            _ => None,
        }
    }

    /// Number of nodes in this tree; bounds what an alias may expand to.
    pub fn weight(&self) -> usize {
        1 + match &self.kind {
            NodeKind::Seq(items) => items.iter().map(Node::weight).sum(),
            NodeKind::Map(entries) => entries.iter().map(|(k, v)| k.weight() + v.weight()).sum(),
            _ => 0,
        }
    }
}

/// Whether a string holds Jinja syntax and must be rendered before use.
pub fn is_template(s: &str) -> bool {
    s.contains("{{") || s.contains("{%") || s.contains("{#")
}
