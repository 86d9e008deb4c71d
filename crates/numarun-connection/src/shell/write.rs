//! Changing a host through shell snippets: one snippet per file change, its content on stdin,
//! written beside the target and renamed over it.

use crate::contract::{Attrs, Command, Connection, ConnectionError};
use crate::file_change::{Action, FileChange};
use crate::shell_words::quote as q;

use super::read::{Stats, parse_stat_section, run_ok, script, stat_section};

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
        out.push_str(&if is_link_ok {
            format!(" && {{ test -L {path} || {chmod}; }}")
        } else {
            format!(" && {chmod}")
        });
    }
    out
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
            Action::Write { content, attrs } => {
                let folder = match std::path::Path::new(&change.path).parent() {
                    Some(folder) if !folder.as_os_str().is_empty() => folder.to_string_lossy(),
                    _ => ".".into(),
                };
                return write(&p, &folder, &temp.unwrap_or_default(), content, *attrs, delivery);
            }
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
                format!(
                    "ln -sfn -- {} {temp} && mv -Tf -- {temp} {p} || {{ rm -f -- {temp}; false; }}",
                    q(target)
                )
            }
        };
        Snippet { text, stdin: None }
    }

    fn command(&self, text: String) -> Command {
        Command { stdin: self.stdin.clone(), ..script(text) }
    }
}

/// Makes the change with shell tools.
pub async fn apply(
    target: &dyn Connection,
    change: &FileChange,
    delivery: Delivery,
) -> Result<(), ConnectionError> {
    let snippet = Snippet::of(change, delivery);
    run_ok(target, change.op(), &change.path, snippet.command(snippet.text.clone())).await.map(drop)
}

/// Makes the change, then stats `paths` in the same request, as a batch stat would: what it
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

/// How the bytes of a `write` reach the target's shell.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Through a pipe that may close early (a killed controller): the length is checked.
    Piped,
    /// Inside the request itself, which the shell reads whole before running any of it.
    Whole,
}

/// Content goes on stdin to a new temporary file beside the target, is checked for length
/// when a pipe could cut it short, synced to the disk, then renamed over it (`-T`: never into a
/// folder there), and the folder synced so the rename is on the disk too: without the first
/// sync a power cut can leave the new name on an empty file (coreutils' `sync FILE` is fsync). The
/// temporary's name is random and `set -C` creates it exclusively, so no `mktemp` is needed; a
/// mode without execute or special bits comes from the umask it is created with, so no `chmod`.
fn write(
    p: &str,
    folder: &str,
    temp: &str,
    content: &[u8],
    attrs: Attrs,
    delivery: Delivery,
) -> Snippet {
    let (umask, attrs) = match attrs.mode {
        Some(mode) if mode & !0o666 == 0 => {
            (format!("umask {:o}; ", !mode & 0o777), Attrs { mode: None, ..attrs })
        }
        _ => (String::new(), attrs),
    };
    let text = format!(
        "t={temp}; trap 'rm -f \"$t\"' EXIT; {umask}set -C; {copy} > \"$t\"{length}; true{attrs} && sync -- \"$t\" && mv -fT -- \"$t\" {p} && trap - EXIT && sync -- {folder}",
        copy = if is_small_text(content) {
            "while IFS= read -r l; do printf '%s\\n' \"$l\"; done"
        } else {
            "cat"
        },
        length = match delivery {
            Delivery::Piped => {
                format!(
                    " && test \"$(wc -c < \"$t\")\" -eq {} || {{ echo 'incomplete transfer' >&2; exit 1; }}",
                    content.len()
                )
            }
            Delivery::Whole => " || exit 1".into(),
        },
        attrs = attr_commands(attrs, "\"$t\"", false, Some(p)),
        folder = q(folder),
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
