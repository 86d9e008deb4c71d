//! Ansible host patterns: `web:db` (union), `web:&prod` (intersection),
//! `web:!db1` (exclusion), globs `k3s-*`, regexes `~k3s-(a|b)`, `all`/`*`.

use std::collections::BTreeSet;

use regex::Regex;

use super::inventory::Inventory;
use crate::diag::did_you_mean;

/// A host pattern (`hosts:`, `--limit`) that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PatternError {
    /// A term between separators is empty.
    #[error("empty term in host pattern `{0}`")]
    EmptyTerm(String),
    /// A name that is no host or group.
    #[error("no host or group named `{name}` in {read}{}", .suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    Unknown {
        /// The name as written.
        name: String,
        /// Which inventory was read, and how to name another.
        read: String,
        /// The nearest host or group name, if one is close.
        suggestion: Option<String>,
    },
    /// A `~regex` term that does not compile.
    #[error("bad regular expression in host pattern: {0}")]
    Regex(String),
}

/// The hosts a pattern selects, in inventory order.
pub fn select(pattern: &str, inventory: &Inventory) -> Result<Vec<String>, PatternError> {
    let mut union = BTreeSet::new();
    let mut intersections = Vec::new();
    let mut exclusions = BTreeSet::new();
    let terms: Vec<&str> = pattern.split([':', ',']).map(str::trim).collect();
    for raw in &terms {
        let (op, term) = match raw.as_bytes().first() {
            Some(b'&') => ('&', raw[1..].trim()),
            Some(b'!') => ('!', raw[1..].trim()),
            _ => ('+', *raw),
        };
        if term.is_empty() {
            return Err(PatternError::EmptyTerm(pattern.to_string()));
        }
        let hosts = term_hosts(term, inventory)?;
        match op {
            '&' => intersections.push(hosts),
            '!' => exclusions.extend(hosts),
            _ => union.extend(hosts),
        }
    }
    if union.is_empty() && terms.iter().all(|t| t.starts_with(['&', '!'])) {
        union = inventory.group_hosts("all");
    }
    Ok(inventory
        .host_names()
        .filter(|h| {
            union.contains(*h)
                && intersections.iter().all(|set| set.contains(*h))
                && !exclusions.contains(*h)
        })
        .map(str::to_string)
        .collect())
}

fn term_hosts(term: &str, inventory: &Inventory) -> Result<BTreeSet<String>, PatternError> {
    if term == "all" || term == "*" {
        return Ok(inventory.group_hosts("all"));
    }
    if let Some(expr) = term.strip_prefix('~') {
        let re = Regex::new(expr).map_err(|e| PatternError::Regex(e.to_string()))?;
        return Ok(matching(inventory, |name| re.is_match(name)));
    }
    if term.contains(['*', '?', '[']) {
        let re = Regex::new(&glob_regex(term)).map_err(|e| PatternError::Regex(e.to_string()))?;
        return Ok(matching(inventory, |name| re.is_match(name)));
    }
    if inventory.groups.contains_key(term) {
        return Ok(inventory.group_hosts(term));
    }
    if inventory.host(term).is_some() {
        return Ok(BTreeSet::from([term.to_string()]));
    }
    let names = inventory.groups.keys().map(String::as_str).chain(inventory.host_names());
    Err(PatternError::Unknown {
        name: term.to_string(),
        read: inventory.described(),
        suggestion: did_you_mean(term, names),
    })
}

fn matching(inventory: &Inventory, keep: impl Fn(&str) -> bool) -> BTreeSet<String> {
    let groups = inventory.groups.keys().filter(|g| keep(g)).flat_map(|g| inventory.group_hosts(g));
    let hosts = inventory.host_names().filter(|h| keep(h)).map(str::to_string);
    groups.chain(hosts).collect()
}

/// A shell glob (`*`, `?`, `[..]`) as an anchored regular expression.
pub fn glob_regex(glob: &str) -> String {
    let mut re = String::from("^");
    for c in glob.chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            '[' | ']' => re.push(c),
            _ => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    re
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inventory() -> Inventory {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("inv.yaml");
        std::fs::write(&path, "all:\n  children:\n    web: { hosts: { w1: , w2: } }\n    db: { hosts: { d1: , w2: } }\n").unwrap();
        Inventory::load(&path).unwrap()
    }

    #[test]
    fn union_intersection_exclusion() {
        let inv = inventory();
        assert_eq!(select("web:db", &inv).unwrap(), ["w1", "w2", "d1"]);
        assert_eq!(select("web:&db", &inv).unwrap(), ["w2"]);
        assert_eq!(select("all:!db", &inv).unwrap(), ["w1"]);
        assert_eq!(select("!db", &inv).unwrap(), ["w1"]);
        assert_eq!(select("w*", &inv).unwrap(), ["w1", "w2"]);
        assert_eq!(select("~d\\d", &inv).unwrap(), ["d1"]);
        assert_eq!(
            select("wbe", &inv),
            Err(PatternError::Unknown {
                name: "wbe".into(),
                read: inv.described(),
                suggestion: Some("web".into())
            })
        );
        assert_eq!(select("web:", &inv), Err(PatternError::EmptyTerm("web:".into())));
    }
}
