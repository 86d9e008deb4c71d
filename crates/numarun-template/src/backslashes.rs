//! A playbook string's `{{ … }}` keeps its string literals' backslashes as written, as
//! ansible-core's lexer has it: YAML has already read the escapes of a double-quoted string, so
//! `"{{ x | regex_replace('(\\d+)', '\\1') }}"` gives the filter `(\d+)` and `\1`, not the
//! control character `\1` would be to Jinja. Statements (`{% %}`), conditions (`when:`) and
//! template files are left as they are, as ansible-core leaves them.

use std::borrow::Cow;

/// The text with every string literal inside `{{ … }}` written so that Jinja reads it back
/// as its raw characters.
pub fn in_template(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// The same for the inside of one `{{ … }}`.
pub fn in_expression(expr: &str) -> Cow<'_, str> {
    escape(expr, true)
}

fn escape(text: &str, mut in_variable: bool) -> Cow<'_, str> {
    if !text.contains('\\') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        match c {
            '{' if !in_variable && chars.peek() == Some(&'{') => {
                out.push(chars.next().expect("peeked"));
                in_variable = true;
            }
            '}' if in_variable && chars.peek() == Some(&'}') => {
                out.push(chars.next().expect("peeked"));
                in_variable = false;
            }
            '\'' | '"' if in_variable => {
                // The literal ends at the first quote no backslash escapes, as Jinja lexes it;
                // its raw characters are then written out escaped.
                let quote = c;
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            out.push_str("\\\\");
                            if let Some(next) = chars.next() {
                                if next == quote {
                                    out.push('\\');
                                }
                                if next == '\\' {
                                    out.push_str("\\\\");
                                } else {
                                    out.push(next);
                                }
                            }
                        }
                        c if c == quote => {
                            out.push(c);
                            break;
                        }
                        c => out.push(c),
                    }
                }
            }
            _ => {}
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_in_variables_keep_their_backslashes() {
        assert_eq!(in_template(r"{{ x | f('\d+', '\1') }}"), r"{{ x | f('\\d+', '\\1') }}");
        assert_eq!(in_template(r"{% set a = '\n' %}{{ '\n' }}"), r"{% set a = '\n' %}{{ '\\n' }}");
        assert_eq!(in_expression(r#"'it\'s' ~ "\\""#), r#"'it\\\'s' ~ "\\\\""#);
        assert_eq!(in_template(r"plain \ text"), r"plain \ text");
    }
}
