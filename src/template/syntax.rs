//! How ansible-core reads Jinja: a block tag eats the newline after it (`trim_blocks`), and
//! the source's last newline is not part of the template.

/// Ansible's Jinja syntax.
pub fn ansible_syntax() -> minijinja::syntax::SyntaxConfig {
    minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .build()
        .expect("valid syntax config")
}
