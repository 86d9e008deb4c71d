//! Reading a host through shell snippets: `read`, `stat`, `inspect`, and a batch stat of many
//! paths in one round trip. Each snippet only looks.

use std::collections::HashMap;

use crate::contract::{Command, Connection, ConnectionError, FileKind, Output, Stat};
use crate::read_plan::PlannedRead;
use crate::shell_words::quote as q;

/// The exit code a snippet uses for "nothing at that path".
pub(super) const MISSING: i32 = 100;

pub(super) fn script(text: String) -> Command {
    Command::argv(["/bin/sh", "-c", text.as_str()])
}

/// A script that only looks. It neither exits nor execs nor reads stdin, so a shell may run it
/// in itself rather than in a subshell of its own: `missing` sets the exit code without either.
fn look(text: String) -> Command {
    Command { read_only: true, ..script(format!("missing() {{ return {MISSING}; }}; {text}")) }
}

pub(super) fn failed(op: &'static str, path: &str, output: &Output) -> ConnectionError {
    let reason = output.stderr_text();
    let reason = if reason.is_empty() { format!("exit code {}", output.rc) } else { reason };
    ConnectionError::Io { op, path: path.to_string(), source: std::io::Error::other(reason) }
}

pub(super) async fn run_ok(
    target: &dyn Connection,
    op: &'static str,
    path: &str,
    command: Command,
) -> Result<Output, ConnectionError> {
    let output = target.run(&command).await?;
    if output.rc != 0 {
        return Err(failed(op, path, &output));
    }
    Ok(output)
}

pub async fn read(target: &dyn Connection, path: &str) -> Result<Option<Vec<u8>>, ConnectionError> {
    let p = q(path);
    let output =
        target.run(&look(format!("if test -e {p}; then cat -- {p}; else missing; fi"))).await?;
    match output.rc {
        0 => Ok(Some(output.stdout)),
        MISSING => Ok(None),
        _ => Err(failed("read", path, &output)),
    }
}

pub async fn stat(target: &dyn Connection, path: &str) -> Result<Option<Stat>, ConnectionError> {
    let p = q(path);
    let text = format!(
        "if test -e {p} || test -L {p}; then stat -c '%f %u %g %s' -- {p} && {{ ! test -L {p} || readlink -- {p}; }}; else missing; fi"
    );
    let output = target.run(&look(text)).await?;
    match output.rc {
        0 => parse_stat(&String::from_utf8_lossy(&output.stdout))
            .ok_or_else(|| failed("stat", path, &output))
            .map(Some),
        MISSING => Ok(None),
        _ => Err(failed("stat", path, &output)),
    }
}

/// What one path is, as `inspect` would say it; `None` in the stat means nothing is there.
pub type Inspection = Option<(Stat, Option<Vec<u8>>)>;

/// A path as a batch stat found it: what a look would answer, and the file's identity (device,
/// inode, change time), which tells whether bytes fetched before a change still belong to it.
#[derive(Debug, Clone)]
pub struct BatchStatEntry {
    pub inspection: Inspection,
    pub identity: Option<String>,
}

/// Kind and mode, owner, group, size, then the identity. `/` always comes first: a `stat`
/// that cannot print this (not GNU) says nothing of `/`, so silence is never taken for "missing".
pub(super) fn stat_section(paths: &str) -> String {
    "stat --printf '%n\\0%f %u %g %s %d:%i:%Z\\0' -- /".to_string()
        + paths
        + " 2>/dev/null; printf '\\0'"
}

/// Many paths looked at in one round trip, for a few processes in all: one `stat` for every
/// path, one `readlink` for the links, one `cat` for the regular files whose bytes are wanted.
/// Answers only what it knows exactly: a link's or an odd file's bytes, or anything that changed
/// between the `stat` and the `cat`, are left for a single look.
pub async fn batch_stat(
    target: &dyn Connection,
    upcoming: &[PlannedRead],
) -> Result<HashMap<String, BatchStatEntry>, ConnectionError> {
    let all: String = upcoming.iter().map(|u| format!(" {}", q(&u.path))).collect();
    let wanted: String =
        upcoming.iter().filter(|u| u.content).map(|u| format!(" {}", q(&u.path))).collect();
    let text = format!(
        "{}\n\
         set --; for p in{all}; do if test -L \"$p\"; then set -- \"$@\" \"$p\"; fi; done\n\
         if test $# -gt 0; then printf '%s\\0' \"$@\"; fi; printf '\\0'; if test $# -gt 0; then readlink -z -- \"$@\"; fi; printf '\\0'\n\
         set --; for p in{wanted}; do if test -f \"$p\" && ! test -L \"$p\"; then set -- \"$@\" \"$p\"; fi; done\n\
         if test $# -gt 0; then printf '%s\\0' \"$@\"; fi; printf '\\0'; if test $# -gt 0; then cat -- \"$@\"; fi",
        stat_section(&all)
    );
    let output = target.run(&look(text)).await?;
    Ok(parse_batch_stat(upcoming, &output.stdout).unwrap_or_default())
}

/// NUL-terminated fields up to an empty one, then what follows.
fn fields(bytes: &[u8]) -> Option<(Vec<&[u8]>, &[u8])> {
    let mut out = Vec::new();
    let mut rest = bytes;
    loop {
        let end = rest.iter().position(|b| *b == 0)?;
        let (field, tail) = (&rest[..end], &rest[end + 1..]);
        rest = tail;
        if field.is_empty() {
            return Some((out, rest));
        }
        out.push(field);
    }
}

fn text(bytes: &[u8]) -> Option<String> {
    String::from_utf8(bytes.to_vec()).ok()
}

/// Paths as a stat found them: each with its identity (see `BatchStatEntry`).
pub type Stats = HashMap<String, (Stat, String)>;

/// The stat section: each path found, with its identity. `None` if `/` is not among them.
pub(super) fn parse_stats(stats: &[&[u8]]) -> Option<Stats> {
    let mut found = HashMap::new();
    for pair in stats.chunks(2) {
        let [name, line] = pair else { return None };
        let line = text(line)?;
        let identity = line.split(' ').nth(4)?.to_string();
        // A link's target is not in this section: `readlink` tells it, or nothing does.
        let stat = Stat { link_target: None, ..parse_stat(&format!("{line}\n"))? };
        found.insert(text(name)?, (stat, identity));
    }
    found.remove("/")?;
    Some(found)
}

pub(crate) fn parse_batch_stat(
    upcoming: &[PlannedRead],
    stdout: &[u8],
) -> Option<HashMap<String, BatchStatEntry>> {
    let (stats, rest) = fields(stdout)?;
    let (link_names, rest) = fields(rest)?;
    let (link_targets, rest) = fields(rest)?;
    let (read_names, contents) = fields(rest)?;
    let mut found = parse_stats(&stats)?;
    // A link that is gone or new since the stat: its target is not known for sure.
    if link_names.len() != link_targets.len() {
        return None;
    }
    for (name, target) in link_names.iter().zip(&link_targets) {
        let (stat, _) = found.get_mut(&text(name)?)?;
        if stat.kind != FileKind::Symlink {
            return None;
        }
        stat.link_target = Some(text(target)?);
    }
    let mut bytes: HashMap<String, Vec<u8>> = HashMap::new();
    let mut offset = 0;
    for name in read_names {
        let name = text(name)?;
        let size = found.get(&name).filter(|(s, _)| s.kind == FileKind::File)?.0.size as usize;
        bytes.insert(name, contents.get(offset..offset + size)?.to_vec());
        offset += size;
    }
    if offset != contents.len() {
        return None;
    }
    let mut answers = HashMap::new();
    for wanted in upcoming {
        let answer = match found.get(&wanted.path) {
            None => BatchStatEntry { inspection: None, identity: None },
            Some((stat, _)) if stat.kind == FileKind::Symlink && stat.link_target.is_none() => {
                continue;
            }
            Some((stat, identity)) => {
                let content = match stat.kind {
                    FileKind::Directory => None,
                    _ if !wanted.content => None,
                    _ => match bytes.get(&wanted.path) {
                        Some(content) => Some(content.clone()),
                        None => continue,
                    },
                };
                BatchStatEntry {
                    inspection: Some((stat.clone(), content)),
                    identity: Some(identity.clone()),
                }
            }
        };
        answers.insert(wanted.path.clone(), answer);
    }
    Some(answers)
}

/// The stat lines, then the bytes of anything but a directory.
pub async fn inspect(
    target: &dyn Connection,
    path: &str,
) -> Result<Option<(Stat, Option<Vec<u8>>)>, ConnectionError> {
    let p = q(path);
    let text = format!(
        "if test -e {p} || test -L {p}; then stat -c '%f %u %g %s' -- {p} && {{ ! test -L {p} || readlink -- {p}; }} && {{ test -d {p} || cat -- {p}; }}; else missing; fi"
    );
    let output = target.run(&look(text)).await?;
    match output.rc {
        0 => split_inspection(&output.stdout)
            .map(Some)
            .ok_or_else(|| failed("inspect", path, &output)),
        MISSING => Ok(None),
        _ => Err(failed("inspect", path, &output)),
    }
}

/// The stat line, the link target line for a link, then the content.
pub(super) fn split_inspection(stdout: &[u8]) -> Option<(Stat, Option<Vec<u8>>)> {
    let first = stdout.iter().position(|b| *b == b'\n')? + 1;
    let header_end = match parse_stat(std::str::from_utf8(&stdout[..first]).ok()?)?.kind {
        FileKind::Symlink => first + stdout[first..].iter().position(|b| *b == b'\n')? + 1,
        _ => first,
    };
    let stat = parse_stat(std::str::from_utf8(&stdout[..header_end]).ok()?)?;
    let content = (stat.kind != FileKind::Directory).then(|| stdout[header_end..].to_vec());
    Some((stat, content))
}

/// `%f %u %g %s` (raw mode in hex, uid, gid, size), then the link target if any.
pub(super) fn parse_stat(text: &str) -> Option<Stat> {
    let mut lines = text.lines();
    let mut fields = lines.next()?.split_whitespace();
    let raw = u32::from_str_radix(fields.next()?, 16).ok()?;
    let (uid, gid, size) =
        (fields.next()?.parse().ok()?, fields.next()?.parse().ok()?, fields.next()?.parse().ok()?);
    let kind = match raw & 0o170000 {
        0o100000 => FileKind::File,
        0o040000 => FileKind::Directory,
        0o120000 => FileKind::Symlink,
        _ => FileKind::Other,
    };
    let link_target =
        (kind == FileKind::Symlink).then(|| lines.next().unwrap_or_default().to_string());
    Some(Stat { kind, mode: raw & 0o7777, uid, gid, size, link_target })
}

/// A stat section and nothing after it.
pub(crate) fn parse_stat_section(bytes: &[u8]) -> Option<Stats> {
    fields(bytes).filter(|(_, rest)| rest.is_empty()).and_then(|(stats, _)| parse_stats(&stats))
}
