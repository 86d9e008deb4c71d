//! Ansible's INI inventory, read into plain sections: `[group]` lists hosts (with `key=value`
//! variables and ranges such as `web[01:20]`), `[group:children]` lists groups, `[group:vars]`
//! sets variables. Hosts before the first section are ungrouped. The inventory itself
//! (`inventory.rs`) turns the sections into groups and hosts.

use std::sync::Arc;

use crate::diag::{Diag, Source, Span};
use crate::vars::VarMap;
use crate::yaml::{Node, NodeKind};

/// What one section of the file says, in the order written.
#[derive(Debug, Default)]
pub struct IniSection {
    /// The group; `ungrouped` for hosts before any section.
    pub group: String,
    pub span: Option<Span>,
    pub hosts: Vec<(String, VarMap)>,
    pub children: Vec<(String, Span)>,
    pub vars: VarMap,
}

/// The sections of an INI inventory, in the order written (a group may have several).
pub fn parse(source: &Arc<Source>) -> Result<Vec<IniSection>, Diag> {
    let mut sections = vec![IniSection { group: "ungrouped".into(), ..IniSection::default() }];
    let mut kind = Kind::Hosts;
    let mut offset = 0;
    for raw in source.text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let lead = line.len() - line.trim_start().len();
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let span = Span::new(source, start + lead, start + lead + line.len());
        if let Some(header) = line.strip_prefix('[') {
            let Some(header) = header.strip_suffix(']') else {
                return Err(Diag::invalid(&span, format!("`{line}` is not a section header"))
                    .with_help("a section is `[group]`, `[group:children]` or `[group:vars]`"));
            };
            let (group, suffix) = header.split_once(':').unwrap_or((header, ""));
            kind = match suffix {
                "" | "hosts" => Kind::Hosts,
                "children" => Kind::Children,
                "vars" => Kind::Vars,
                other => {
                    return Err(Diag::invalid(
                        &span,
                        format!("section [{header}] has the unknown type `{other}`"),
                    )
                    .with_help("the types are `children` and `vars`"));
                }
            };
            if group.is_empty() || group.contains(char::is_whitespace) {
                return Err(Diag::invalid(&span, format!("`{group}` is not a group name")));
            }
            sections.push(IniSection {
                group: group.to_string(),
                span: Some(span),
                ..IniSection::default()
            });
            continue;
        }
        let section = sections.last_mut().expect("a section");
        match kind {
            Kind::Hosts => section.hosts.extend(host_line(line, &span)?),
            Kind::Children => section.children.push((line.to_string(), span)),
            Kind::Vars => {
                let Some((name, value)) = line.split_once('=') else {
                    return Err(Diag::invalid(&span, format!("`{line}` is not `name=value`")));
                };
                insert(&mut section.vars, name.trim(), value.trim(), &span)?;
            }
        }
    }
    Ok(sections)
}

#[derive(Clone, Copy)]
enum Kind {
    Hosts,
    Children,
    Vars,
}

/// `web[01:03]:2222 http_port=80 motd="hello world"`: the hosts it names, each with the
/// variables (and the port) the line gives.
fn host_line(line: &str, span: &Span) -> Result<Vec<(String, VarMap)>, Diag> {
    let words = crate::connection::shell_words::split(line)
        .map_err(|e| Diag::invalid(span, format!("`{line}`: {e}")))?;
    let (pattern, assignments) = words.split_first().expect("a non-empty line");
    let mut vars = VarMap::default();
    for assignment in assignments {
        let Some((name, value)) = assignment.split_once('=') else {
            return Err(Diag::invalid(
                span,
                format!("`{assignment}` after the host is not `name=value`"),
            ));
        };
        insert(&mut vars, name, value, span)?;
    }
    // `host:port`, but not an IPv6 address's colons.
    let (pattern, port) = match pattern.rsplit_once(':') {
        Some((host, port))
            if !host.contains(':')
                && !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit()) =>
        {
            (host, Some(port))
        }
        _ => (pattern.as_str(), None),
    };
    if let Some(port) = port {
        insert(&mut vars, "ansible_port", port, span)?;
    }
    Ok(expand(pattern, span)?.into_iter().map(|host| (host, vars.clone())).collect())
}

/// A host pattern's names: `web[01:03]` is web01, web02, web03; `db-[a:c]` is db-a … db-c;
/// `[1:9:2]` takes every second; several ranges multiply.
fn expand(pattern: &str, span: &Span) -> Result<Vec<String>, Diag> {
    let Some((head, rest)) = pattern.split_once('[') else { return Ok(vec![pattern.into()]) };
    let Some((range, tail)) = rest.split_once(']') else {
        return Err(Diag::invalid(span, format!("`{pattern}`: a range without its `]`")));
    };
    let bad = || {
        Diag::invalid(span, format!("`[{range}]` is not a range"))
            .with_help("a range is `[01:20]`, `[a:f]` or `[1:20:2]`")
    };
    let parts: Vec<&str> = range.split(':').collect();
    let (first, last, step) = match parts.as_slice() {
        [first, last] => (*first, *last, 1),
        [first, last, step] => (*first, *last, step.parse::<usize>().map_err(|_| bad())?),
        _ => return Err(bad()),
    };
    if step == 0 {
        return Err(bad());
    }
    let names: Vec<String> = match (first.parse::<u64>(), last.parse::<u64>()) {
        (Ok(a), Ok(b)) if a <= b => {
            // Zero-padded to the first bound's width when it is written with leading zeros.
            let width = if first.starts_with('0') && first.len() > 1 { first.len() } else { 0 };
            (a..=b).step_by(step).map(|n| format!("{n:0width$}")).collect()
        }
        _ => match (single_char(first), single_char(last)) {
            (Some(a), Some(b)) if a <= b && a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
                (a..=b).step_by(step).map(String::from).collect()
            }
            _ => return Err(bad()),
        },
    };
    let tails = expand(tail, span)?;
    Ok(names
        .iter()
        .flat_map(|name| tails.iter().map(move |tail| format!("{head}{name}{tail}")))
        .collect())
}

fn single_char(text: &str) -> Option<char> {
    let mut chars = text.chars();
    let first = chars.next()?;
    chars.next().is_none().then_some(first)
}

fn insert(vars: &mut VarMap, name: &str, value: &str, span: &Span) -> Result<(), Diag> {
    if !crate::vars::is_identifier(name) {
        return Err(Diag::invalid(span, format!("`{name}` is not a valid variable name")));
    }
    vars.0.insert(name.into(), crate::vars::VarValue::Written(literal(value, span)));
    Ok(())
}

/// A value as Ansible's INI plugin reads it (Python's `literal_eval`, where it applies): whole
/// and decimal numbers, `True`/`False`/`None`, a quoted string; anything else is the text itself,
/// templated on use like any other string. `true` stays the string "true", as in Ansible.
fn literal(value: &str, span: &Span) -> Node {
    let kind = if let Ok(n) = value.parse::<i64>() {
        NodeKind::Int(n)
    } else if let Some(f) =
        value.parse::<f64>().ok().filter(|_| value.bytes().any(|b| b.is_ascii_digit()))
    {
        NodeKind::Float(f)
    } else {
        match value {
            "True" => NodeKind::Bool(true),
            "False" => NodeKind::Bool(false),
            "None" => NodeKind::Null,
            _ => match quoted(value) {
                Some(inner) => NodeKind::Str(inner.to_string()),
                None => NodeKind::Str(value.to_string()),
            },
        }
    };
    Node::new(kind, span.clone())
}

fn quoted(value: &str) -> Option<&str> {
    ['"', '\'']
        .iter()
        .find_map(|q| value.strip_prefix(*q)?.strip_suffix(*q).filter(|inner| !inner.contains(*q)))
}
