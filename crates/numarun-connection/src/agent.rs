//! The host agent: a small Perl program (`agent.pl`) that a connection starts once per
//! privilege, and that looks at and changes files without starting a process on the host. The
//! shell snippets start `stat`, `mv`, `cat`, `mkdir` or `ln` for each, about 1.5 ms apiece.
//! Perl is part of every Debian and Ubuntu system (`perl-base`); where it cannot start, the
//! shell snippets serve.
//!
//! The agent lays its answers out as the shell snippets do, and the same code reads both, so the
//! two cannot drift apart in what they report.

use std::collections::HashMap;

use super::contract::Attrs;
use super::file_change::{Action, FileChange};
use super::read_plan::PlannedRead;
use super::shell::{self, BatchStatEntry, Stats};
use crate::shell_words::quote as q;

const PROGRAM: &str = include_str!("agent.pl");

/// Perl's whole command line: read the program, framed as a field, then run it.
const BOOTSTRAP: &str = r"my $n = <STDIN>; $n =~ /^(\d+)\n\z/ && read(STDIN, my $p, $1) == $1 or exit 1; eval $p; die $@ if $@";

/// The command line that starts the agent with this `perl`.
pub fn launcher(perl: &str) -> String {
    format!("{} -e {}", q(perl), q(BOOTSTRAP))
}

/// What to send first: the program, then a request whose answer proves it runs.
pub fn greeting() -> Vec<u8> {
    [field(PROGRAM.as_bytes()), request(&[b"hello"])].concat()
}

fn field(bytes: &[u8]) -> Vec<u8> {
    [format!("{}\n", bytes.len()).as_bytes(), bytes].concat()
}

fn request(fields: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("{}\n", fields.len()).into_bytes();
    for bytes in fields {
        out.extend(field(bytes));
    }
    out
}

/// The agent's answer to one request.
#[derive(Debug)]
pub struct Reply {
    pub rc: i32,
    pub fields: Vec<Vec<u8>>,
}

/// A reply that cannot be one: its first bytes, for the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the agent's reply is garbled: {0:?}")]
pub struct GarbledReply(String);

/// A reply as its bytes arrive: `None` until it is whole; an error if it cannot be one. Its
/// fields are copied out only once all have arrived.
pub fn parse_reply(bytes: &[u8]) -> Result<Option<Reply>, GarbledReply> {
    let garbled =
        || GarbledReply(String::from_utf8_lossy(&bytes[..bytes.len().min(80)]).into_owned());
    let Some((head, mut at)) = line(bytes, 0) else { return Ok(None) };
    let (rc, count) = head.split_once(' ').ok_or_else(garbled)?;
    let (rc, count): (i32, usize) =
        (rc.parse().map_err(|_| garbled())?, count.parse().map_err(|_| garbled())?);
    let mut ranges = Vec::with_capacity(count);
    for _ in 0..count {
        let Some((length, start)) = line(bytes, at) else { return Ok(None) };
        let length: usize = length.parse().map_err(|_| garbled())?;
        if bytes.len() < start + length {
            return Ok(None);
        }
        ranges.push(start..start + length);
        at = start + length;
    }
    if at != bytes.len() {
        return Err(garbled());
    }
    Ok(Some(Reply { rc, fields: ranges.into_iter().map(|range| bytes[range].to_vec()).collect() }))
}

/// The text from `from` up to the next newline, and where the next line starts.
fn line(bytes: &[u8], from: usize) -> Option<(&str, usize)> {
    let end = from + bytes[from..].iter().position(|b| *b == b'\n')?;
    Some((std::str::from_utf8(&bytes[from..end]).unwrap_or("?"), end + 1))
}

pub fn batch_stat(upcoming: &[PlannedRead]) -> Vec<u8> {
    let mut fields: Vec<&[u8]> = vec![b"batch_stat"];
    for wanted in upcoming {
        fields.push(wanted.path.as_bytes());
        fields.push(if wanted.content { b"1" } else { b"" });
    }
    request(&fields)
}

/// What a batch stat's reply says, read as the shell's batch stat is; `None` if it says nothing sure.
pub fn batch_stat_answers(
    upcoming: &[PlannedRead],
    reply: &Reply,
) -> Option<HashMap<String, BatchStatEntry>> {
    match (reply.rc, reply.fields.as_slice()) {
        (0, [layout]) => shell::parse_batch_stat(upcoming, layout),
        _ => None,
    }
}

/// Makes the change, then stats `look` (as `shell::apply_and_stat` does).
pub fn change(change: &FileChange, look: &[String]) -> Vec<u8> {
    let (action, attrs, data): (&str, Attrs, &[u8]) = match &change.action {
        Action::Write { content, attrs } => ("write", *attrs, content),
        Action::Mkdir(attrs) => ("mkdir", *attrs, b""),
        Action::SetAttrs(attrs) => ("attrs", *attrs, b""),
        Action::Remove => ("remove", Attrs::default(), b""),
        Action::Symlink { target } => ("symlink", Attrs::default(), target.as_bytes()),
    };
    let temporary = change.temporary().unwrap_or_default();
    let mode = attrs.mode.map(|m| format!("{m:o}")).unwrap_or_default();
    let [uid, gid] =
        [attrs.uid, attrs.gid].map(|id| id.map(|id| id.to_string()).unwrap_or_default());
    let best_effort: &[u8] = if attrs.owner_best_effort { b"1" } else { b"" };
    let mut fields: Vec<&[u8]> =
        vec![b"change", action.as_bytes(), change.path.as_bytes(), temporary.as_bytes()];
    fields.extend([mode.as_bytes(), uid.as_bytes(), gid.as_bytes(), best_effort, data]);
    fields.extend(look.iter().map(|p| p.as_bytes()));
    request(&fields)
}

/// How a change went.
#[derive(Debug)]
pub enum Changed {
    /// Made; the stats after it, unless they could not be read.
    Made(Option<Stats>),
    Failed(String),
    /// Only the shell snippet does this exactly: a link's owner (Perl has no `lchown`), or a
    /// removal GNU rm refuses.
    Declined,
}

pub fn changed(reply: &Reply) -> Changed {
    match (reply.rc, reply.fields.as_slice()) {
        (0, [stats]) => Changed::Made(shell::parse_stat_section(stats)),
        (3, _) => Changed::Declined,
        (_, [reason]) => Changed::Failed(String::from_utf8_lossy(reason).into_owned()),
        (rc, _) => Changed::Failed(format!("the agent answered {rc} without a reason")),
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::os::unix::fs::MetadataExt;
    use std::path::Path;
    use std::process::{Child, Stdio};

    use super::*;
    use crate::Local;
    use crate::shell::Delivery;

    /// The agent on this machine, started as a connection starts it, fed through pipes.
    struct LocalAgent(Child);

    impl LocalAgent {
        fn start() -> LocalAgent {
            let child = std::process::Command::new("/bin/sh")
                .args(["-c", &launcher("perl")])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("perl starts");
            let mut agent = LocalAgent(child);
            assert_eq!(agent.ask(&greeting()).rc, 0, "the agent says hello");
            agent
        }

        fn ask(&mut self, request: &[u8]) -> Reply {
            self.0.stdin.as_mut().unwrap().write_all(request).unwrap();
            let mut bytes = Vec::new();
            let mut chunk = [0; 65536];
            loop {
                if let Some(reply) = parse_reply(&bytes).unwrap() {
                    return reply;
                }
                let n = self.0.stdout.as_mut().unwrap().read(&mut chunk).unwrap();
                assert!(n > 0, "the agent ended");
                bytes.extend_from_slice(&chunk[..n]);
            }
        }
    }

    impl Drop for LocalAgent {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    /// Everything under `dir` that a change could have made, with its bytes, link target,
    /// kind, mode and owner.
    fn tree(dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        let mut entries: Vec<_> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for path in entries {
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let name = path.strip_prefix(dir).unwrap().display().to_string();
            let what = if meta.is_symlink() {
                format!("link to {}", std::fs::read_link(&path).unwrap().display())
            } else if meta.is_dir() {
                format!("dir {:o} {}:{}", meta.mode() & 0o7777, meta.uid(), meta.gid())
            } else {
                let bytes = std::fs::read(&path).unwrap();
                format!(
                    "file {:o} {}:{} {:?}",
                    meta.mode() & 0o7777,
                    meta.uid(),
                    meta.gid(),
                    String::from_utf8_lossy(&bytes)
                )
            };
            out.push(format!("{name}: {what}"));
            if meta.is_dir() {
                out.extend(tree(&path).into_iter().map(|line| format!("{name}/{line}")));
            }
        }
        out
    }

    fn fixture(dir: &Path) {
        std::fs::write(dir.join("plain"), "old text\n").unwrap();
        std::fs::create_dir_all(dir.join("tree/deeper")).unwrap();
        std::fs::write(dir.join("tree/deeper/leaf"), "leaf\n").unwrap();
        std::fs::create_dir(dir.join("kept")).unwrap();
        std::fs::write(dir.join("kept/inside"), "must survive\n").unwrap();
        std::os::unix::fs::symlink("kept", dir.join("link to kept")).unwrap();
        std::os::unix::fs::symlink("plain", dir.join("old link")).unwrap();
    }

    /// What the same changes make of the same files, by the shell snippets and by the agent,
    /// down to the byte, the mode and the owner; and which of them fail.
    #[tokio::test]
    async fn the_agent_changes_files_exactly_as_the_shell_snippets_do() {
        let (by_shell, by_agent) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let owner = std::fs::metadata(by_shell.path()).unwrap();
        let ours = Attrs { uid: Some(owner.uid()), gid: Some(owner.gid()), ..Attrs::default() };
        let mode = |mode| Attrs { mode: Some(mode), ..Attrs::default() };
        let changes = |dir: &Path| {
            let at = |name: &str| dir.join(name).display().to_string();
            vec![
                FileChange::write(&at("new"), b"bytes\0with nul, no newline", mode(0o640)),
                FileChange::write(
                    &at("plain"),
                    b"new text\n",
                    Attrs { mode: Some(0o4755), ..ours },
                ),
                FileChange::write(
                    &at("carried"),
                    b"x\n",
                    Attrs { owner_best_effort: true, ..ours },
                ),
                FileChange::write(&at("no such folder/file"), b"x\n", Attrs::default()),
                FileChange::write(&at("kept"), b"over a folder\n", Attrs::default()),
                FileChange::mkdir(&at("made/in/one/go"), Attrs { mode: Some(0o2750), ..ours }),
                FileChange::mkdir(&at("kept"), mode(0o700)),
                FileChange::mkdir(&at("plain"), Attrs::default()),
                FileChange::set_attrs(&at("tree/deeper/leaf"), Attrs { mode: Some(0o600), ..ours }),
                FileChange::set_attrs(&at("old link"), mode(0o600)),
                FileChange::set_attrs(&at("missing"), mode(0o600)),
                FileChange::remove(&at("tree")),
                FileChange::remove(&at("link to kept")),
                FileChange::remove(&at("missing")),
                FileChange::remove(&at("plain/below a file")),
                FileChange::symlink("made/in", &at("new link")),
                FileChange::symlink("new", &at("old link")),
                FileChange::symlink("x", &at("kept")),
            ]
        };
        fixture(by_shell.path());
        fixture(by_agent.path());
        let local = Local::default();
        let mut agent = LocalAgent::start();
        let paths = |dir: &Path| {
            vec![dir.join("plain").display().to_string(), dir.join("new").display().to_string()]
        };
        for (shell_change, agent_change) in
            changes(by_shell.path()).iter().zip(changes(by_agent.path()))
        {
            let by_shell_stats = shell::apply_and_stat(
                &local,
                shell_change,
                Delivery::Piped,
                &paths(by_shell.path()),
            )
            .await;
            let reply = agent.ask(&change(&agent_change, &paths(by_agent.path())));
            let what = format!("{} {}", agent_change.op(), agent_change.path);
            match (by_shell_stats, changed(&reply)) {
                (Ok(Some(expected)), Changed::Made(Some(found))) => {
                    let strip = |stats: Stats| {
                        let mut kinds: Vec<_> = stats
                            .into_iter()
                            .map(|(p, (s, _))| (Path::new(&p).file_name().unwrap().to_owned(), s))
                            .collect();
                        kinds.sort_by(|a, b| a.0.cmp(&b.0));
                        kinds
                    };
                    assert_eq!(strip(expected), strip(found), "{what}: the stats after it");
                }
                (Err(_), Changed::Failed(reason)) => {
                    assert!(!reason.is_empty(), "{what}: a failure says why")
                }
                (shell, by_agent) => {
                    panic!("{what}: the shell says {shell:?}, the agent {by_agent:?}")
                }
            }
            assert_eq!(tree(by_shell.path()), tree(by_agent.path()), "after {what}");
        }
        let left: Vec<String> =
            tree(by_agent.path()).into_iter().filter(|l| l.contains(".numarun.")).collect();
        assert!(left.is_empty(), "temporaries left behind: {left:?}");
    }

    /// A link's owner is for the shell (Perl has no `lchown`), and so is a removal GNU rm
    /// refuses: the agent declines, changing nothing.
    #[test]
    fn the_agent_declines_what_only_the_shell_does_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let at = |name: &str| dir.path().join(name).display().to_string();
        std::os::unix::fs::symlink("anywhere", at("link")).unwrap();
        std::fs::create_dir(at("inner")).unwrap();
        let owner = Attrs { uid: Some(0), ..Attrs::default() };
        let before = tree(dir.path());
        let mut agent = LocalAgent::start();
        let declined = |agent: &mut LocalAgent, it: FileChange| {
            matches!(changed(&agent.ask(&change(&it, &[]))), Changed::Declined)
        };
        assert!(declined(&mut agent, FileChange::set_attrs(&at("link"), owner)));
        assert!(declined(&mut agent, FileChange::mkdir(&at("link"), owner)));
        for name in ["inner/..", "inner/.", "inner/../", "."] {
            assert!(declined(&mut agent, FileChange::remove(&at(name))), "{name}");
        }
        assert!(!declined(&mut agent, FileChange::remove(&at("inner/.hidden"))));
        assert_eq!(tree(dir.path()), before);
    }

    #[tokio::test]
    async fn the_agents_batch_stat_answers_exactly_as_the_shells() {
        let dir = tempfile::tempdir().unwrap();
        let at = |name: &str| dir.path().join(name).display().to_string();
        fixture(dir.path());
        std::fs::write(at("bin ary"), b"nul\0inside").unwrap();
        std::fs::write(at("new\nline"), "named with a newline\n").unwrap();
        std::fs::write(at("empty"), "").unwrap();
        std::os::unix::fs::symlink("nowhere", at("dangling")).unwrap();
        let names = [
            "plain",
            "bin ary",
            "new\nline",
            "empty",
            "tree",
            "old link",
            "link to kept",
            "dangling",
            "missing",
            "plain/x",
        ];
        let upcoming: Vec<PlannedRead> = names
            .iter()
            .enumerate()
            .map(|(i, n)| PlannedRead { path: at(n), content: i % 3 != 1 || n.contains("link") })
            .collect();
        let by_shell = shell::batch_stat(&Local::default(), &upcoming).await.unwrap();
        let by_agent =
            batch_stat_answers(&upcoming, &LocalAgent::start().ask(&batch_stat(&upcoming)))
                .unwrap();
        let sorted = |answers: HashMap<String, BatchStatEntry>| {
            let mut all: Vec<_> = answers
                .into_iter()
                .map(|(p, s)| format!("{p:?} {:?} {:?}", s.inspection, s.identity))
                .collect();
            all.sort();
            all
        };
        assert_eq!(sorted(by_shell), sorted(by_agent));
    }

    /// The agent reads a whole request before it acts on any of it.
    #[test]
    fn a_request_cut_short_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file").display().to_string();
        let mut agent = LocalAgent::start();
        let request =
            change(&FileChange::write(&path, b"a long enough content\n", Attrs::default()), &[]);
        let mut stdin = agent.0.stdin.take().unwrap();
        stdin.write_all(&request[..request.len() - 5]).unwrap();
        drop(stdin);
        assert!(agent.0.wait().unwrap().success(), "the agent ends quietly");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "nothing written, no temporary"
        );
    }
}
