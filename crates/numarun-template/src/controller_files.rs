//! Files on the controller that templates name (`lookup('file')`, `with_fileglob`), found as
//! Ansible finds them: under the role's folder, then the playbook's, each in its `files/` (or
//! `templates/`) subfolder first.

use std::path::{Path, PathBuf};

use minijinja::State;

use super::python_regex::fnmatch_regex;

/// Where a lookup looks, nearest first: the role's folder, then the playbook's.
pub fn search_dirs(state: &State) -> Vec<PathBuf> {
    ["role_path", "playbook_dir"]
        .iter()
        .filter_map(|name| state.lookup(name))
        .filter_map(|v| v.as_str().map(PathBuf::from))
        .collect()
}

/// The first of `subdir/name`, then `name`, in each folder; an absolute name as it is.
pub fn find(name: &str, subdir: &str, dirs: &[PathBuf]) -> Option<PathBuf> {
    let path = Path::new(name);
    if path.is_absolute() {
        return path.exists().then(|| path.to_path_buf());
    }
    dirs.iter().flat_map(|d| [d.join(subdir).join(name), d.join(name)]).find(|p| p.exists())
}

/// The files (not folders) matching a pattern (`*`, `?`, `[…]`) in its last part, sorted; a
/// relative pattern is looked for under `files/` of the first folder holding a match.
pub fn fileglob(pattern: &str, dirs: &[PathBuf]) -> Vec<PathBuf> {
    let pattern = Path::new(pattern);
    let (folder, name) = (pattern.parent().unwrap_or(Path::new("")), pattern.file_name());
    let Some(matcher) = name.and_then(|n| n.to_str()).and_then(wildcard) else {
        return Vec::new();
    };
    let folders: Vec<PathBuf> = if pattern.is_absolute() {
        vec![folder.to_path_buf()]
    } else {
        dirs.iter().flat_map(|d| [d.join("files").join(folder), d.join(folder)]).collect()
    };
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(&folder) else { continue };
        let mut found: Vec<PathBuf> = entries
            .flatten()
            .filter(|e| e.path().is_file())
            .filter(|e| e.file_name().to_str().is_some_and(|n| matcher.is_match(n)))
            .map(|e| std::path::absolute(e.path()).unwrap_or_else(|_| e.path()))
            .collect();
        if !found.is_empty() {
            found.sort();
            return found;
        }
    }
    Vec::new()
}

/// A shell wildcard over one name, as Python's `glob` has it: a name starting with a dot
/// matches only a pattern that does.
struct Wildcard {
    regex: regex::Regex,
    hidden: bool,
}

impl Wildcard {
    fn is_match(&self, name: &str) -> bool {
        (self.hidden || !name.starts_with('.')) && self.regex.is_match(name)
    }
}

fn wildcard(pattern: &str) -> Option<Wildcard> {
    Some(Wildcard { regex: fnmatch_regex(pattern)?, hidden: pattern.starts_with('.') })
}
