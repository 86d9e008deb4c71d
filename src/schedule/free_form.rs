//! Ansible's arguments written as one string: `file: path=/x state=directory mode=0755`, and a
//! command's free form with its options inside (`command: make all chdir=/src creates=out`).
//! Words split at spaces, but never inside quotes or a Jinja expression; a value's quotes are
//! taken off; `yes`/`no`/`true`/`false` become booleans and plain numbers numbers, as Ansible's
//! type checks would make them.

use crate::diag::Diag;
use crate::yaml::{Node, NodeKind};

/// The options a command's free form may carry as `key=value` words.
const COMMAND_OPTIONS: &[&str] = &[
    "creates",
    "removes",
    "chdir",
    "executable",
    "stdin",
    "stdin_add_newline",
    "strip_empty_ends",
];

/// `key=value` words as a mapping's entries; a word without `=` is an error naming it.
pub(super) fn key_values(value: &Node, text: &str) -> Result<Vec<(Node, Node)>, Diag> {
    words(text)
        .into_iter()
        .map(|word| {
            pair(value, &word).ok_or_else(|| {
                Diag::invalid(&value.span, format!("`{word}` is not key=value"))
                    .with_help("write the arguments as key=value words, or as a mapping")
            })
        })
        .collect()
}

/// A command's free form: its options (`chdir=…`) taken out as entries, the rest its command.
pub(super) fn command(value: &Node, text: &str, free_form: &str) -> Vec<(Node, Node)> {
    let mut options = Vec::new();
    let mut rest = Vec::new();
    for word in words(text) {
        match pair(value, &word) {
            Some((key, val)) if key.as_str().is_some_and(|k| COMMAND_OPTIONS.contains(&k)) => {
                options.push((key, val))
            }
            _ => rest.push(word),
        }
    }
    if options.is_empty() {
        // As written, spacing and all.
        return vec![(string(value, free_form), value.clone())];
    }
    options.insert(0, (string(value, free_form), string(value, &rest.join(" "))));
    options
}

fn string(at: &Node, text: &str) -> Node {
    Node::new(NodeKind::Str(text.to_string()), at.span.clone())
}

/// `key=value` as two nodes, at the whole string's place.
fn pair(at: &Node, word: &str) -> Option<(Node, Node)> {
    let (key, raw) = word.split_once('=')?;
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let unquoted = match raw.as_bytes() {
        [q @ (b'"' | b'\''), .., last] if last == q && raw.len() >= 2 => &raw[1..raw.len() - 1],
        _ => raw,
    };
    let kind = match unquoted {
        "yes" | "true" | "True" | "on" => NodeKind::Bool(true),
        "no" | "false" | "False" | "off" => NodeKind::Bool(false),
        _ if unquoted == raw
            && !unquoted.starts_with('0')
            && !unquoted.is_empty()
            && unquoted.bytes().all(|b| b.is_ascii_digit()) =>
        {
            unquoted.parse().map(NodeKind::Int).unwrap_or(NodeKind::Str(unquoted.into()))
        }
        _ => NodeKind::Str(unquoted.to_string()),
    };
    Some((string(at, key), Node::new(kind, at.span.clone())))
}

/// The words of a string: split at whitespace outside quotes and `{{ }}` / `{% %}`.
fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let (mut quote, mut depth) = (None::<char>, 0usize);
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (None, '"' | '\'') if depth == 0 => quote = Some(c),
            (None, '{') if matches!(next, Some('{' | '%')) => {
                depth += 1;
                word.push(c);
                word.push(next.unwrap_or_default());
                i += 2;
                continue;
            }
            (None, '}' | '%') if depth > 0 && next == Some('}') => {
                depth -= 1;
                word.push(c);
                word.push('}');
                i += 2;
                continue;
            }
            (None, _) if c.is_whitespace() && depth == 0 => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                i += 1;
                continue;
            }
            _ => {}
        }
        word.push(c);
        i += 1;
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_quotes_and_jinja_whole() {
        assert_eq!(
            words(r#"path=/x mode=0755 line="a b" msg={{ a | default('x y') }}"#),
            ["path=/x", "mode=0755", r#"line="a b""#, "msg={{ a | default('x y') }}"]
        );
    }
}
