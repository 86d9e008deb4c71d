//! Ansible's path filters, as Python's `os.path` computes them on the controller.

use std::path::{Component, Path, PathBuf};

use minijinja::value::Value;
use minijinja::{Environment, Error};

use super::filter_error::invalid;

pub fn register(env: &mut Environment<'static>) {
    env.add_filter("basename", |s: String| s.rsplit('/').next().unwrap_or_default().to_string());
    env.add_filter("dirname", dirname);
    env.add_filter("expanduser", expanduser);
    env.add_filter("normpath", |s: String| normpath(&s));
    env.add_filter("realpath", |s: String| realpath(&expanduser(s)));
    env.add_filter("splitext", splitext);
    env.add_filter("path_join", path_join);
    env.add_filter("relpath", relpath);
}

/// Python's `os.path.dirname`: everything before the last slash, trailing slashes trimmed.
fn dirname(path: String) -> String {
    let head = &path[..path.rfind('/').map_or(0, |i| i + 1)];
    if head.bytes().all(|b| b == b'/') {
        head.to_string()
    } else {
        head.trim_end_matches('/').to_string()
    }
}

/// `~` and `~/…` become the home folder.
fn expanduser(path: String) -> String {
    match (path.strip_prefix('~'), std::env::var("HOME")) {
        (Some(rest), Ok(home)) if rest.is_empty() || rest.starts_with('/') => {
            format!("{home}{rest}")
        }
        _ => path,
    }
}

/// Python's `os.path.normpath`: `.` and `a/..` removed, slashes collapsed, no disk read.
fn normpath(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if absolute => {}
            part => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// Python's `os.path.realpath`: absolute, links resolved as far as the path exists.
fn realpath(path: &str) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| PathBuf::from(path));
    let mut resolved = PathBuf::new();
    let mut rest = absolute.components();
    for component in rest.by_ref() {
        match component {
            Component::ParentDir => {
                resolved.pop();
            }
            other => resolved.push(other),
        }
        if let Ok(real) = std::fs::canonicalize(&resolved) {
            resolved = real;
        }
    }
    normpath(&resolved.display().to_string())
}

/// `[root, extension]`, the extension with its dot; a leading dot is not an extension.
fn splitext(path: String) -> Value {
    let name_start = path.rfind('/').map_or(0, |i| i + 1);
    let name = &path[name_start..];
    let dot = name
        .trim_start_matches('.')
        .rfind('.')
        .map(|i| i + (name.len() - name.trim_start_matches('.').len()));
    match dot {
        Some(i) => Value::from(vec![path[..name_start + i].to_string(), name[i..].to_string()]),
        None => Value::from(vec![path.clone(), String::new()]),
    }
}

/// Python's `os.path.join` over a list: an absolute part starts again.
fn path_join(parts: Value) -> Result<String, Error> {
    let mut joined = PathBuf::new();
    for part in parts.try_iter()? {
        let part =
            part.as_str().ok_or_else(|| invalid("path_join: every part must be text"))?.to_string();
        joined.push(Path::new(&part));
    }
    Ok(joined.display().to_string())
}

/// Python's `os.path.relpath(path, start)`: the way from `start` to `path`, by their text.
fn relpath(path: String, start: Option<String>) -> String {
    let absolute = |p: &str| {
        normpath(&std::path::absolute(p).map_or(p.to_string(), |a| a.display().to_string()))
    };
    let (path, start) = (absolute(&path), absolute(&start.unwrap_or_else(|| ".".into())));
    let parts =
        |p: &str| p.split('/').filter(|s| !s.is_empty()).map(str::to_string).collect::<Vec<_>>();
    let (to, from) = (parts(&path), parts(&start));
    let common = to.iter().zip(&from).take_while(|(a, b)| a == b).count();
    let mut way: Vec<String> = vec!["..".into(); from.len() - common];
    way.extend(to[common..].iter().cloned());
    match way.is_empty() {
        true => ".".into(),
        false => way.join("/"),
    }
}
