//! How ansible-core reads Jinja: a block tag eats the newline after it (`trim_blocks`), and
//! the source's last newline is not part of the template.

/// Ansible's Jinja syntax.
pub fn ansible_syntax() -> minijinja::syntax::SyntaxConfig {
    Whitespace::default().syntax()
}

/// How a template file's whitespace around tags is read: the `template` module's
/// `trim_blocks` and `lstrip_blocks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Whitespace {
    /// A block tag eats the newline after it (Ansible's default).
    pub trim_blocks: bool,
    /// Spaces and tabs before a block tag on its line go.
    pub lstrip_blocks: bool,
}

impl Default for Whitespace {
    fn default() -> Self {
        Whitespace { trim_blocks: true, lstrip_blocks: false }
    }
}

impl Whitespace {
    /// The syntax that reads this way.
    pub fn syntax(self) -> minijinja::syntax::SyntaxConfig {
        minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(self.trim_blocks)
            .lstrip_blocks(self.lstrip_blocks)
            .build()
            .expect("valid syntax config")
    }
}
