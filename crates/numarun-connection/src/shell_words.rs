//! POSIX shell words: quoting a word so a shell reads it back as is, and splitting a command
//! line into words as a shell would, without running one. Every command line numarun builds for
//! a host goes through `quote`; the template filter `quote` is the same function.

/// A command line whose quote is never closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unclosed {quote} in `{line}`")]
pub struct UnclosedQuote {
    /// The quote character left open.
    pub quote: char,
    /// The whole line, for the message.
    pub line: String,
}

/// One word, single-quoted unless it needs no quoting at all, byte for byte as Python's
/// `shlex.quote` (and so Ansible's `quote` filter) writes it: a `'` inside becomes `'"'"'`.
pub fn quote(word: &str) -> String {
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"@%+=:,./-_".contains(&b);
    if !word.is_empty() && word.bytes().all(plain) {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', r#"'"'"'"#))
}

/// Splits a command line into words as a POSIX shell would: quotes and backslashes, no
/// expansion.
pub fn split(line: &str) -> Result<Vec<String>, UnclosedQuote> {
    let unclosed = |quote| UnclosedQuote { quote, line: line.to_string() };
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => words.extend(word.take()),
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => w.push(c),
                        None => return Err(unclosed('\'')),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => w.push(c),
                            Some(c) => w.extend(['\\', c]),
                            None => return Err(unclosed('"')),
                        },
                        Some(c) => w.push(c),
                        None => return Err(unclosed('"')),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::{quote, split};

    #[test]
    fn words_split_like_a_shell_without_one() {
        assert_eq!(split(r#"touch "a b" 'c d' e\ f"#).unwrap(), ["touch", "a b", "c d", "e f"]);
        assert_eq!(split(r#"echo "\$HOME" ''"#).unwrap(), ["echo", "$HOME", ""]);
        assert_eq!(split("echo 'open").unwrap_err().to_string(), "unclosed ' in `echo 'open`");
    }

    #[test]
    fn quoting_is_pythons() {
        assert_eq!(quote("it's"), r#"'it'"'"'s'"#);
        assert_eq!(quote(""), "''");
        assert_eq!(quote("a-b_c@d%e+f=g:h,i./j"), "a-b_c@d%e+f=g:h,i./j");
        assert_eq!(quote("é"), "'é'");
    }

    #[test]
    fn a_quoted_word_splits_back_to_itself() {
        for word in ["plain", "", "it's", "a b", "$HOME", "semi;colon", "new\nline"] {
            assert_eq!(split(&quote(word)).unwrap(), [word]);
        }
    }
}
