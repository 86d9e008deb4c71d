//! Python's regular expression replacements (as Ansible's `regex_replace` and `replace` module
//! take them) and `fnmatch` wildcards, in the regex crate's terms.

use std::sync::LazyLock;

use regex::Regex;

/// Python's `\1` and `\g<name>` become the regex crate's `${1}` and `${name}`; its escapes
/// `\n`, `\t`, `\r` and `\\` the characters; a `$` is only a dollar.
pub fn python_replacement(replacement: &str) -> String {
    static BACKREF: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\\(\d+)|\\g<(\w+)>|\\([ntr\\])|\$").unwrap());
    BACKREF
        .replace_all(replacement, |c: &regex::Captures| match (c.get(1), c.get(2), c.get(3)) {
            (Some(n), _, _) | (_, Some(n), _) => format!("${{{}}}", n.as_str()),
            (_, _, Some(escape)) => match escape.as_str() {
                "n" => "\n".to_string(),
                "t" => "\t".to_string(),
                "r" => "\r".to_string(),
                _ => "\\".to_string(),
            },
            _ => "$$".to_string(),
        })
        .into_owned()
}

/// Python's `fnmatch`: `*`, `?` and `[…]` (`[!…]` negated) over a whole name, as a regular
/// expression; `None` for a pattern that makes none.
pub fn fnmatch_regex(pattern: &str) -> Option<Regex> {
    let mut regex = String::from("^");
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '*' => regex.push_str(".*"),
            '?' => regex.push('.'),
            '[' => {
                let class: String = chars.by_ref().take_while(|&c| c != ']').collect();
                let (negated, class) = match class.strip_prefix('!') {
                    Some(rest) => ("^", rest.to_string()),
                    None => ("", class),
                };
                regex.push_str(&format!("[{negated}{}]", class.replace('\\', "\\\\")));
            }
            c => regex.push_str(&regex::escape(&c.to_string())),
        }
    }
    regex.push('$');
    Regex::new(&format!("(?s){regex}")).ok()
}
