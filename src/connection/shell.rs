//! File operations as small POSIX shell snippets, for targets reached only
//! through commands: SSH hosts without the host agent (`agent`), and the local machine under
//! `become`.
//! One snippet per operation, one round trip each (a change may carry a `stat` of what it
//! touched); paths are always quoted.

use std::collections::HashMap;

use super::contract::{Attrs, Command, Connection, ConnectionError, FileKind, Output, PlannedRead, Stat};
use super::file_change::{Action, FileChange};
use crate::connection::shell_words::quote as q;

/// The exit code a snippet uses for "nothing at that path".
const MISSING: i32 = 100;

fn script(text: String) -> Command {
    Command::argv(["/bin/sh", "-c", text.as_str()])
}

/// A script that only looks. It neither exits nor execs nor reads stdin, so a shell may run it
/// in itself rather than in a subshell of its own: `missing` sets the exit code without either.
fn look(text: String) -> Command {
    Command { look_only: true, ..script(format!("missing() {{ return {MISSING}; }}; {text}")) }
}

fn failed(op: &'static str, path: &str, output: &Output) -> ConnectionError {
    let reason = output.stderr_text();
    let reason = if reason.is_empty() { format!("exit code {}", output.rc) } else { reason };
    ConnectionError::Io { op, path: path.to_string(), source: std::io::Error::other(reason) }
}

async fn run_ok(target: &dyn Connection, op: &'static str, path: &str, command: Command) -> Result<Output, ConnectionError> {
    let output = target.run(&command).await?;
    if output.rc != 0 {
        return Err(failed(op, path, &output));
    }
    Ok(output)
}

/// `chown`/`chmod` lines for a path variable or literal. A best-effort owner is carried over
/// from `previous` (the file being replaced) and skipped, without a process, when both are
/// already ours.
fn attr_commands(attrs: Attrs, path: &str, is_link_ok: bool, previous: Option<&str>) -> String {
    let mut out = String::new();
    if attrs.uid.is_some() || attrs.gid.is_some() {
        let owner = attrs.uid.map(|u| u.to_string()).unwrap_or_default();
        let group = attrs.gid.map(|g| format!(":{g}")).unwrap_or_default();
        let chown = format!("chown -h {owner}{group} -- {path}");
        out.push_str(&match (attrs.owner_best_effort, previous) {
            (true, Some(old)) => {
                format!(" && {{ test -O {old} && test -G {old} && test -O {path} && test -G {path} || {chown} 2>/dev/null || true; }}")
            }
            (true, None) => format!(" && {{ {chown} 2>/dev/null || true; }}"),
            (false, _) => format!(" && {chown}"),
        });
    }
    if let Some(mode) = attrs.mode {
        let chmod = format!("chmod {mode:o} -- {path}");
        // chmod follows links; a link's own mode means nothing on Linux.
        out.push_str(&if is_link_ok { format!(" && {{ test -L {path} || {chmod}; }}") } else { format!(" && {chmod}") });
    }
    out
}

pub async fn read(target: &dyn Connection, path: &str) -> Result<Option<Vec<u8>>, ConnectionError> {
    let p = q(path);
    let output = target.run(&look(format!("if test -e {p}; then cat -- {p}; else missing; fi"))).await?;
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
        0 => parse_stat(&String::from_utf8_lossy(&output.stdout)).ok_or_else(|| failed("stat", path, &output)).map(Some),
        MISSING => Ok(None),
        _ => Err(failed("stat", path, &output)),
    }
}

/// What one path is, as `inspect` would say it; `None` in the stat means nothing is there.
pub type Inspection = Option<(Stat, Option<Vec<u8>>)>;

/// A path as a survey found it: what a look would answer, and the file's identity (device,
/// inode, change time), which tells whether bytes fetched before a change still belong to it.
#[derive(Debug, Clone)]
pub struct Surveyed {
    pub inspection: Inspection,
    pub identity: Option<String>,
}

/// Kind and mode, owner, group, size, then the identity. `/` always comes first: a `stat`
/// that cannot print this (not GNU) says nothing of `/`, so silence is never taken for "missing".
fn stat_section(paths: &str) -> String {
    "stat --printf '%n\\0%f %u %g %s %d:%i:%Z\\0' -- /".to_string() + paths + " 2>/dev/null; printf '\\0'"
}

/// Many paths looked at in one round trip, for a few processes in all: one `stat` for every
/// path, one `readlink` for the links, one `cat` for the regular files whose bytes are wanted.
/// Answers only what it knows exactly: a link's or an odd file's bytes, or anything that changed
/// between the `stat` and the `cat`, are left for a single look.
pub async fn survey(target: &dyn Connection, upcoming: &[PlannedRead]) -> Result<HashMap<String, Surveyed>, ConnectionError> {
    let all: String = upcoming.iter().map(|u| format!(" {}", q(&u.path))).collect();
    let wanted: String = upcoming.iter().filter(|u| u.content).map(|u| format!(" {}", q(&u.path))).collect();
    let text = format!(
        "{}\n\
         set --; for p in{all}; do if test -L \"$p\"; then set -- \"$@\" \"$p\"; fi; done\n\
         if test $# -gt 0; then printf '%s\\0' \"$@\"; fi; printf '\\0'; if test $# -gt 0; then readlink -z -- \"$@\"; fi; printf '\\0'\n\
         set --; for p in{wanted}; do if test -f \"$p\" && ! test -L \"$p\"; then set -- \"$@\" \"$p\"; fi; done\n\
         if test $# -gt 0; then printf '%s\\0' \"$@\"; fi; printf '\\0'; if test $# -gt 0; then cat -- \"$@\"; fi",
        stat_section(&all)
    );
    let output = target.run(&look(text)).await?;
    Ok(parse_survey(upcoming, &output.stdout).unwrap_or_default())
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

/// Paths as a stat found them: each with its identity (see `Surveyed`).
pub type Stats = HashMap<String, (Stat, String)>;

/// The stat section: each path found, with its identity. `None` if `/` is not among them.
fn parse_stats(stats: &[&[u8]]) -> Option<Stats> {
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

pub(super) fn parse_survey(upcoming: &[PlannedRead], stdout: &[u8]) -> Option<HashMap<String, Surveyed>> {
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
            None => Surveyed { inspection: None, identity: None },
            Some((stat, _)) if stat.kind == FileKind::Symlink && stat.link_target.is_none() => continue,
            Some((stat, identity)) => {
                let content = match stat.kind {
                    FileKind::Directory => None,
                    _ if !wanted.content => None,
                    _ => match bytes.get(&wanted.path) {
                        Some(content) => Some(content.clone()),
                        None => continue,
                    },
                };
                Surveyed { inspection: Some((stat.clone(), content)), identity: Some(identity.clone()) }
            }
        };
        answers.insert(wanted.path.clone(), answer);
    }
    Some(answers)
}

/// The stat lines, then the bytes of anything but a directory.
pub async fn inspect(target: &dyn Connection, path: &str) -> Result<Option<(Stat, Option<Vec<u8>>)>, ConnectionError> {
    let p = q(path);
    let text = format!(
        "if test -e {p} || test -L {p}; then stat -c '%f %u %g %s' -- {p} && {{ ! test -L {p} || readlink -- {p}; }} && {{ test -d {p} || cat -- {p}; }}; else missing; fi"
    );
    let output = target.run(&look(text)).await?;
    match output.rc {
        0 => split_inspection(&output.stdout).map(Some).ok_or_else(|| failed("inspect", path, &output)),
        MISSING => Ok(None),
        _ => Err(failed("inspect", path, &output)),
    }
}

/// The stat line, the link target line for a link, then the content.
fn split_inspection(stdout: &[u8]) -> Option<(Stat, Option<Vec<u8>>)> {
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
fn parse_stat(text: &str) -> Option<Stat> {
    let mut lines = text.lines();
    let mut fields = lines.next()?.split_whitespace();
    let raw = u32::from_str_radix(fields.next()?, 16).ok()?;
    let (uid, gid, size) = (fields.next()?.parse().ok()?, fields.next()?.parse().ok()?, fields.next()?.parse().ok()?);
    let kind = match raw & 0o170000 {
        0o100000 => FileKind::File,
        0o040000 => FileKind::Directory,
        0o120000 => FileKind::Symlink,
        _ => FileKind::Other,
    };
    let link_target = (kind == FileKind::Symlink).then(|| lines.next().unwrap_or_default().to_string());
    Some(Stat { kind, mode: raw & 0o7777, uid, gid, size, link_target })
}

/// A change as a shell snippet, with the bytes it sends on stdin.
struct Snippet {
    text: String,
    stdin: Option<Vec<u8>>,
}

impl Snippet {
    fn of(change: &FileChange, delivery: Delivery) -> Snippet {
        let p = q(&change.path);
        let temp = change.temporary().map(|t| q(&t));
        let text = match &change.action {
            Action::Write { content, attrs } => return write(&p, &temp.unwrap_or_default(), content, *attrs, delivery),
            Action::Mkdir(attrs) => match attrs.mode {
                // One process when the parent is there: `-m` gives the new folder its mode exactly.
                Some(mode) => format!(
                    "mkdir -m {mode:o} -- {p} 2>/dev/null || {{ mkdir -p -- {p} && chmod {mode:o} -- {p}; }}{}",
                    attr_commands(Attrs { mode: None, ..*attrs }, &p, false, None)
                ),
                None => format!("mkdir -p -- {p}{}", attr_commands(*attrs, &p, false, None)),
            },
            Action::SetAttrs(attrs) => format!("true{}", attr_commands(*attrs, &p, true, None)),
            Action::Remove => format!("rm -rf -- {p}"),
            Action::Symlink { target } => {
                let temp = temp.unwrap_or_default();
                // A link that cannot replace what is there (a folder) is not left behind.
                format!("ln -sfn -- {} {temp} && mv -Tf -- {temp} {p} || {{ rm -f -- {temp}; false; }}", q(target))
            }
        };
        Snippet { text, stdin: None }
    }

    fn command(&self, text: String) -> Command {
        Command { stdin: self.stdin.clone(), ..script(text) }
    }
}

/// Makes the change with shell tools.
pub async fn apply(target: &dyn Connection, change: &FileChange, delivery: Delivery) -> Result<(), ConnectionError> {
    let snippet = Snippet::of(change, delivery);
    run_ok(target, change.op(), &change.path, snippet.command(snippet.text.clone())).await.map(drop)
}

/// Makes the change, then stats `paths` in the same request, as a survey would: what it
/// left, before anything else can act. `None` when this host's `stat` cannot say.
pub async fn apply_and_stat(
    target: &dyn Connection,
    change: &FileChange,
    delivery: Delivery,
    paths: &[String],
) -> Result<Option<Stats>, ConnectionError> {
    let snippet = Snippet::of(change, delivery);
    let all: String = paths.iter().map(|p| format!(" {}", q(p))).collect();
    let text = format!("{{ {}\n}} && {{ {}; }}", snippet.text, stat_section(&all));
    let output = run_ok(target, change.op(), &change.path, snippet.command(text)).await?;
    Ok(parse_stat_section(&output.stdout))
}

/// A stat section and nothing after it.
pub(super) fn parse_stat_section(bytes: &[u8]) -> Option<Stats> {
    fields(bytes).filter(|(_, rest)| rest.is_empty()).and_then(|(stats, _)| parse_stats(&stats))
}

/// How the bytes of a `write` reach the target's shell.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Through a pipe that may close early (a killed controller): the length is checked.
    Piped,
    /// Inside the request itself, which the shell reads whole before running any of it.
    Whole,
}

/// Content goes on stdin to a new temporary file beside the target, is checked for length
/// when a pipe could cut it short, then renamed over it (`-T`: never into a folder there). The
/// temporary's name is random and `set -C` creates it exclusively, so no `mktemp` is needed; a
/// mode without execute or special bits comes from the umask it is created with, so no `chmod`.
fn write(p: &str, temp: &str, content: &[u8], attrs: Attrs, delivery: Delivery) -> Snippet {
    let (umask, attrs) = match attrs.mode {
        Some(mode) if mode & !0o666 == 0 => (format!("umask {:o}; ", !mode & 0o777), Attrs { mode: None, ..attrs }),
        _ => (String::new(), attrs),
    };
    let text = format!(
        "t={temp}; trap 'rm -f \"$t\"' EXIT; {umask}set -C; {copy} > \"$t\"{length}; true{attrs} && mv -fT -- \"$t\" {p} && trap - EXIT",
        copy = if is_small_text(content) { "while IFS= read -r l; do printf '%s\\n' \"$l\"; done" } else { "cat" },
        length = match delivery {
            Delivery::Piped => {
                format!(" && test \"$(wc -c < \"$t\")\" -eq {} || {{ echo 'incomplete transfer' >&2; exit 1; }}", content.len())
            }
            Delivery::Whole => " || exit 1".into(),
        },
        attrs = attr_commands(attrs, "\"$t\"", false, Some(p)),
    );
    Snippet { text, stdin: Some(content.to_vec()) }
}

/// Lines of text: no NUL, a newline at the end. A shell's `read` and a here-document carry
/// such bytes unchanged.
pub fn is_lines(content: &[u8]) -> bool {
    content.ends_with(b"\n") && !content.contains(&0)
}

/// Small enough for the shell's own `read` and `printf` to copy for less than starting `cat`
/// costs (about 1 ms here; `read` takes a byte at a time).
fn is_small_text(content: &[u8]) -> bool {
    content.len() <= 1024 && is_lines(content)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use async_trait::async_trait;

    use super::*;
    use crate::connection::{Local, Privilege};

    /// The local machine, except that stdin arrives cut in half, as when a
    /// connection drops in the middle of a transfer.
    struct CutShort(Local);

    #[async_trait]
    impl Connection for CutShort {
        fn elevated(&self, _: &Privilege) -> Arc<dyn Connection> {
            unreachable!()
        }
        async fn run(&self, command: &Command) -> Result<Output, ConnectionError> {
            let mut command = command.clone();
            if let Some(stdin) = command.stdin.as_mut() {
                stdin.truncate(stdin.len() / 2);
            }
            self.0.run(&command).await
        }
        async fn read(&self, path: &str) -> Result<Option<Vec<u8>>, ConnectionError> {
            self.0.read(path).await
        }
        async fn write(&self, path: &str, content: &[u8], attrs: Attrs) -> Result<(), ConnectionError> {
            apply(self, &FileChange::write(path, content, attrs), Delivery::Piped).await
        }
        async fn stat(&self, path: &str) -> Result<Option<Stat>, ConnectionError> {
            self.0.stat(path).await
        }
        async fn inspect(&self, path: &str) -> Result<Option<(Stat, Option<Vec<u8>>)>, ConnectionError> {
            self.0.inspect(path).await
        }
        async fn mkdir(&self, path: &str, attrs: Attrs) -> Result<(), ConnectionError> {
            self.0.mkdir(path, attrs).await
        }
        async fn set_attrs(&self, path: &str, attrs: Attrs) -> Result<(), ConnectionError> {
            self.0.set_attrs(path, attrs).await
        }
        async fn remove(&self, path: &str) -> Result<(), ConnectionError> {
            self.0.remove(path).await
        }
        async fn symlink(&self, target: &str, path: &str) -> Result<(), ConnectionError> {
            self.0.symlink(target, path).await
        }
    }

    #[tokio::test]
    async fn a_transfer_cut_short_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("conf");
        std::fs::write(&path, "old\n").unwrap();
        let target = CutShort(Local::default());
        let error = target.write(path.to_str().unwrap(), "new content, long enough\n".as_bytes(), Attrs::default()).await.unwrap_err();
        assert!(error.to_string().contains("incomplete transfer"), "{error}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "a temporary file was left behind");
    }

    #[tokio::test]
    async fn snippets_round_trip_through_a_shell() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("it's here").display().to_string();
        let local = Local::default();
        let mode = Attrs { mode: Some(0o640), ..Attrs::default() };
        apply(&local, &FileChange::write(&path, b"bytes\0with nul", mode), Delivery::Piped).await.unwrap();
        assert_eq!(read(&local, &path).await.unwrap().unwrap(), b"bytes\0with nul");
        // Small text goes through the shell's own read loop: every byte must survive it.
        let text = "  leading blanks\tand tabs \\ back\\slashes $(not run) -n\n\n\r\nlast\n";
        let text_path = dir.path().join("text").display().to_string();
        apply(&local, &FileChange::write(&text_path, text.as_bytes(), Attrs::default()), Delivery::Piped).await.unwrap();
        assert_eq!(read(&local, &text_path).await.unwrap().unwrap(), text.as_bytes());
        let stat = stat(&local, &path).await.unwrap().unwrap();
        assert_eq!((stat.kind, stat.mode, stat.size), (FileKind::File, 0o640, 14));
        let link = dir.path().join("link").display().to_string();
        apply(&local, &FileChange::symlink("it's here", &link), Delivery::Piped).await.unwrap();
        assert_eq!(super::stat(&local, &link).await.unwrap().unwrap().link_target.as_deref(), Some("it's here"));
        apply(&local, &FileChange::remove(&path), Delivery::Piped).await.unwrap();
        assert!(read(&local, &path).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_survey_answers_exactly_what_single_looks_answer() {
        let dir = tempfile::tempdir().unwrap();
        let at = |name: &str| dir.path().join(name).display().to_string();
        std::fs::write(at("plain"), "text\n").unwrap();
        std::fs::write(at("empty"), "").unwrap();
        std::fs::write(at("bin ary"), b"nul\0inside, no newline").unwrap();
        std::fs::write(at("new\nline"), "named with a newline\n").unwrap();
        std::fs::create_dir(at("folder")).unwrap();
        std::os::unix::fs::symlink("plain", at("link")).unwrap();
        std::os::unix::fs::symlink("nowhere", at("dangling")).unwrap();
        let names = ["plain", "empty", "bin ary", "new\nline", "folder", "link", "dangling", "missing", "folder/missing"];
        let upcoming: Vec<PlannedRead> = names
            .iter()
            .enumerate()
            .map(|(i, n)| PlannedRead { path: at(n), content: (i % 2 == 0 && *n != "dangling") || *n == "link" })
            .collect();
        let local = Local::default();
        let answers = survey(&local, &upcoming).await.unwrap();
        for wanted in &upcoming {
            let single = match wanted.content {
                true => inspect(&local, &wanted.path).await.unwrap(),
                false => stat(&local, &wanted.path).await.unwrap().map(|s| (s, None)),
            };
            match answers.get(&wanted.path).map(|a| &a.inspection) {
                // A link's bytes are left for a single look; nothing else may be.
                None => assert!(wanted.content && single.as_ref().is_some_and(|(s, _)| s.kind == FileKind::Symlink), "{}", wanted.path),
                Some(answer) => {
                    let strip = |i: &Inspection| i.as_ref().map(|(s, c)| (format!("{s:?}"), c.clone().filter(|_| wanted.content)));
                    assert_eq!(strip(answer), strip(&single), "{}", wanted.path);
                }
            }
        }
        assert_eq!(answers.len(), upcoming.len() - 1, "all but the link's bytes answered");

        // Nothing there to read or follow: the empty sections still line up.
        let nothing = [PlannedRead { path: at("missing"), content: true }, PlannedRead { path: at("folder"), content: false }];
        let answers = survey(&local, &nothing).await.unwrap();
        assert!(answers[&at("missing")].inspection.is_none());
        assert_eq!(answers[&at("folder")].inspection.as_ref().map(|(s, _)| s.kind), Some(FileKind::Directory));
    }

    #[tokio::test]
    async fn a_change_and_the_stats_after_it_come_back_together() {
        let dir = tempfile::tempdir().unwrap();
        let at = |name: &str| dir.path().join(name).display().to_string();
        std::os::unix::fs::symlink("file", at("link")).unwrap();
        let paths = [at("file"), at("link"), at("missing")];
        let local = Local::default();
        let mode = Attrs { mode: Some(0o600), ..Attrs::default() };
        let write = |bytes: &[u8]| FileChange::write(&at("file"), bytes, mode);
        let first = apply_and_stat(&local, &write(b"bytes\n"), Delivery::Piped, &paths).await.unwrap().unwrap();
        assert_eq!(first[&at("file")].0, stat(&local, &at("file")).await.unwrap().unwrap(), "as a single look sees it");
        assert_eq!(first[&at("link")].0.kind, FileKind::Symlink);
        assert_eq!(first[&at("link")].0.link_target, None, "a link's target is not in a stat");
        assert!(!first.contains_key(&at("missing")));
        let second = apply_and_stat(&local, &write(b"other\n"), Delivery::Piped, &paths).await.unwrap().unwrap();
        assert_ne!(first[&at("file")].1, second[&at("file")].1, "a replaced file is another file");
        assert_eq!(first[&at("link")].1, second[&at("link")].1, "the link itself is the same");
        // A `stat` that says nothing of `/` cannot print what a survey needs: no answer at all.
        assert!(parse_stats(&[b"/x".as_slice(), b"81a4 0 0 1 1:2:3".as_slice()]).is_none());
    }

    #[test]
    fn inspection_splits_header_from_content() {
        let (stat, content) = split_inspection(b"81a4 0 0 6\nline1\n").unwrap();
        assert_eq!((stat.kind, content.as_deref()), (FileKind::File, Some(&b"line1\n"[..])));
        let (stat, content) = split_inspection(b"a1ff 0 0 3\nabc\ntarget bytes").unwrap();
        assert_eq!((stat.link_target.as_deref(), content.as_deref()), (Some("abc"), Some(&b"target bytes"[..])));
        assert_eq!(split_inspection(b"41ed 0 0 4096\n").unwrap().1, None);
    }

    #[test]
    fn stat_lines_parse() {
        let file = parse_stat("81a4 0 0 12\n").unwrap();
        assert_eq!((file.kind, file.mode, file.size), (FileKind::File, 0o644, 12));
        let link = parse_stat("a1ff 1000 1000 7\n/etc/x\n").unwrap();
        assert_eq!((link.kind, link.link_target.as_deref()), (FileKind::Symlink, Some("/etc/x")));
        assert_eq!(parse_stat("41ed 0 0 4096\n").unwrap().kind, FileKind::Directory);
    }
}
