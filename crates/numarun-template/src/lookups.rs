//! Ansible's lookups: `lookup(kind, terms…)` and `query(kind, terms…)` (`q`). Every lookup runs
//! on the controller, as Ansible's do. `lookup` joins text results with commas (one result
//! stays itself) unless `wantlist=True`; `query` always returns the list.

use std::path::PathBuf;
use std::sync::Arc;

use minijinja::value::{Kwargs, Rest, Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State};

use super::controller_files::{fileglob, find, search_dirs};
use super::password;
use crate::redact::Redactor;

/// The name under which a scope gives itself, so that `lookup('template')` renders its file
/// with the step's variables.
pub const SELF: &str = "__numarun_scope__";

/// Adds `lookup`, `query` and `q`; a generated password becomes one of `secrets`.
pub fn register(env: &mut Environment<'static>, secrets: Arc<Redactor>) {
    let for_lookup = Arc::clone(&secrets);
    env.add_function(
        "lookup",
        move |state: &State, kind: String, terms: Rest<Value>, kwargs: Kwargs| {
            let wantlist = kwargs.get::<Option<bool>>("wantlist")?.unwrap_or(false);
            let results = run(state, &kind, &terms, &kwargs, &for_lookup)?;
            Ok(if wantlist { Value::from(results) } else { joined(results) })
        },
    );
    for name in ["query", "q"] {
        let secrets = Arc::clone(&secrets);
        env.add_function(
            name,
            move |state: &State, kind: String, terms: Rest<Value>, kwargs: Kwargs| {
                let _ = kwargs.get::<Option<bool>>("wantlist")?;
                run(state, &kind, &terms, &kwargs, &secrets).map(Value::from)
            },
        );
    }
}

/// Ansible's `lookup` result: text joined with commas; otherwise the one value, or the list.
fn joined(results: Vec<Value>) -> Value {
    if results.is_empty() {
        return Value::from(results);
    }
    if results.iter().all(|v| v.kind() == ValueKind::String) {
        let texts: Vec<&str> = results.iter().filter_map(Value::as_str).collect();
        return Value::from(texts.join(","));
    }
    match results.len() {
        1 => results.into_iter().next().expect("one result"),
        _ => Value::from(results),
    }
}

fn failed(kind: &str, message: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::InvalidOperation, format!("lookup('{kind}'): {message}"))
}

/// The results of one lookup; `errors='ignore'` turns a failure into no results.
fn run(
    state: &State,
    kind: &str,
    terms: &[Value],
    kwargs: &Kwargs,
    secrets: &Redactor,
) -> Result<Vec<Value>, Error> {
    let errors = kwargs.get::<Option<String>>("errors")?.unwrap_or_else(|| "strict".into());
    let kind = kind.strip_prefix("ansible.builtin.").unwrap_or(kind);
    let result = match kind {
        "first_found" => first_found(state, terms, kwargs),
        _ => flat(terms).and_then(|terms| by_term(state, kind, &terms, kwargs, secrets)),
    };
    match (result, errors.as_str()) {
        (Err(_), "ignore" | "warn") => Ok(Vec::new()),
        (result, _) => {
            kwargs.assert_all_used()?;
            result
        }
    }
}

/// Terms as text, a list among them spread out.
fn flat(terms: &[Value]) -> Result<Vec<Value>, Error> {
    let mut flat = Vec::new();
    for term in terms {
        match term.kind() {
            ValueKind::Seq => flat.extend(term.try_iter()?),
            _ => flat.push(term.clone()),
        }
    }
    Ok(flat)
}

fn text_of(kind: &str, term: &Value) -> Result<String, Error> {
    term.as_str()
        .map(str::to_string)
        .ok_or_else(|| failed(kind, format!("a term must be text, not {}", term.kind())))
}

fn by_term(
    state: &State,
    kind: &str,
    terms: &[Value],
    kwargs: &Kwargs,
    secrets: &Redactor,
) -> Result<Vec<Value>, Error> {
    let dirs = search_dirs(state);
    let mut results = Vec::new();
    for term in terms {
        match kind {
            "vars" => {
                let name = text_of(kind, term)?;
                let value = state.lookup(&name).filter(|v| !v.is_undefined());
                match (value, kwargs.get::<Option<Value>>("default")?) {
                    (Some(value), _) => results.push(value),
                    (None, Some(default)) => results.push(default),
                    (None, None) => {
                        return Err(failed(kind, format!("no variable named `{name}`")));
                    }
                }
            }
            "env" => {
                let name = text_of(kind, term)?;
                let default = kwargs.get::<Option<Value>>("default")?;
                let name = name.split_whitespace().next().unwrap_or_default();
                results.push(match std::env::var(name) {
                    Ok(value) => Value::from(value),
                    Err(_) => default.unwrap_or_else(|| Value::from("")),
                });
            }
            "file" => results.push(Value::from(file(&dirs, &text_of(kind, term)?, kwargs)?)),
            "template" => results.push(template(state, &dirs, &text_of(kind, term)?)?),
            "pipe" => results.push(Value::from(pipe(&dirs, &text_of(kind, term)?)?)),
            "lines" => results.extend(pipe(&dirs, &text_of(kind, term)?)?.lines().map(Value::from)),
            "fileglob" => results.extend(
                fileglob(&text_of(kind, term)?, &dirs)
                    .into_iter()
                    .map(|p| Value::from(p.display().to_string())),
            ),
            "password" => {
                let password = password::lookup(&dirs, &text_of(kind, term)?, kwargs)
                    .map_err(|why| failed(kind, why))?;
                secrets.add(&password);
                results.push(Value::from(password));
            }
            "items" | "list" => results.push(term.clone()),
            other => {
                return Err(failed(
                    other,
                    "not supported (env, file, template, pipe, lines, fileglob, first_found, vars, password, items and list are)",
                ));
            }
        }
    }
    Ok(results)
}

/// `lookup('file', name)`: the file's text, its trailing whitespace trimmed (`rstrip`), its
/// leading whitespace too with `lstrip=True`.
fn file(dirs: &[PathBuf], name: &str, kwargs: &Kwargs) -> Result<String, Error> {
    let rstrip = kwargs.get::<Option<bool>>("rstrip")?.unwrap_or(true);
    let lstrip = kwargs.get::<Option<bool>>("lstrip")?.unwrap_or(false);
    let path = find(name, "files", dirs).ok_or_else(|| {
        failed("file", format!("cannot find `{name}` (looked under files/ of {})", shown(dirs)))
    })?;
    let text = crate::text_file::read(&path).map_err(|e| failed("file", e))?;
    let text = if rstrip { text.trim_end() } else { text.as_str() };
    Ok(if lstrip { text.trim_start() } else { text }.to_string())
}

fn shown(dirs: &[PathBuf]) -> String {
    dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ")
}

/// `lookup('template', name)`: the file under `templates/`, rendered as the `template` module
/// renders, with the step's variables.
fn template(state: &State, dirs: &[PathBuf], name: &str) -> Result<Value, Error> {
    let path = find(name, "templates", dirs).ok_or_else(|| {
        failed(
            "template",
            format!("cannot find `{name}` (looked under templates/ of {})", shown(dirs)),
        )
    })?;
    let source = crate::text_file::read(&path).map_err(|e| failed("template", e))?;
    let scope =
        state.lookup(SELF).ok_or_else(|| failed("template", "no variables to render with"))?;
    // Without the newlines the template module keeps at the end, as ansible-core's lookup
    // renders (checked in tests/ansible_templating.rs).
    state.env().render_named_str(&path.display().to_string(), &source, scope).map(Value::from)
}

/// `lookup('pipe', cmd)`: the command's output, run by `sh` in the playbook's folder, trailing
/// whitespace trimmed; a command that fails fails the lookup.
fn pipe(dirs: &[PathBuf], command: &str) -> Result<String, Error> {
    let mut run = std::process::Command::new("/bin/sh");
    run.args(["-c", command]).stdin(std::process::Stdio::null());
    if let Some(dir) = dirs.last() {
        run.current_dir(dir);
    }
    let output = run.output().map_err(|e| failed("pipe", e))?;
    if !output.status.success() {
        return Err(failed(
            "pipe",
            format!("`{command}` exited with {}", output.status.code().unwrap_or(-1)),
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim_end().to_string())
}

/// `first_found`: the first file that exists of names given as terms, lists, or mappings of
/// `files` and `paths`; none found is an error unless `skip: true`.
fn first_found(state: &State, terms: &[Value], kwargs: &Kwargs) -> Result<Vec<Value>, Error> {
    let mut candidates = Vec::new();
    let mut skip = kwargs.get::<Option<bool>>("skip")?.unwrap_or(false);
    let mut pending: Vec<Value> = terms.to_vec();
    let files = kwargs.get::<Option<Value>>("files")?;
    let paths = kwargs.get::<Option<Value>>("paths")?;
    if pending.is_empty() {
        pending.push(Value::from_pairs([
            ("files", files.unwrap_or_default()),
            ("paths", paths.unwrap_or_default()),
        ]));
    }
    while let Some(term) = (!pending.is_empty()).then(|| pending.remove(0)) {
        match term.kind() {
            ValueKind::String => candidates.push(term.as_str().unwrap_or_default().to_string()),
            ValueKind::Seq => {
                let inner: Vec<Value> = term.try_iter()?.collect();
                pending.splice(0..0, inner);
            }
            ValueKind::Map => {
                skip |= term.get_attr("skip").is_ok_and(|v| v.is_true());
                let files = split_list(&term.get_attr("files")?, &[',', ';']);
                let paths = split_list(&term.get_attr("paths")?, &[',', ':', ';']);
                match paths.is_empty() {
                    true => candidates.extend(files),
                    false => candidates.extend(
                        paths.iter().flat_map(|p| files.iter().map(move |f| format!("{p}/{f}"))),
                    ),
                }
            }
            other => {
                return Err(failed(
                    "first_found",
                    format!("a term must be text, a list or a mapping, not {other}"),
                ));
            }
        }
    }
    let dirs = search_dirs(state);
    for candidate in &candidates {
        if let Some(path) = find(candidate, "files", &dirs).filter(|p| p.is_file()) {
            let path = std::path::absolute(&path).unwrap_or(path);
            return Ok(vec![Value::from(path.display().to_string())]);
        }
    }
    match skip {
        true => Ok(Vec::new()),
        false => Err(failed("first_found", format!("none of {} was found", candidates.join(", ")))),
    }
}

/// A list's items, or a text split at any of `separators`.
fn split_list(value: &Value, separators: &[char]) -> Vec<String> {
    match value.kind() {
        ValueKind::Seq => value
            .try_iter()
            .into_iter()
            .flatten()
            .flat_map(|v| split_list(&v, separators))
            .collect(),
        ValueKind::String => value
            .as_str()
            .unwrap_or_default()
            .split(separators)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}
