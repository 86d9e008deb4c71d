//! `blockinfile`: a block of lines between marker lines, replaced as a whole.

use serde::Deserialize;

use crate::modules::action::Action;
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::support::attrs::{FileAttrs, Mode};
use crate::modules::support::content::EditedInPlace;
use crate::modules::support::lines;
use crate::modules::support::lines::Presence;
use crate::modules::support::safe_write::Safety;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockInFile {
    #[serde(alias = "dest", alias = "destfile", alias = "name")]
    #[schemars(extend("x-aliases" = ["dest", "destfile", "name"]))]
    path: String,
    #[serde(default, alias = "content")]
    #[schemars(extend("x-aliases" = ["content"]))]
    block: String,
    #[serde(default = "default_marker")]
    marker: String,
    #[serde(default = "begin")]
    marker_begin: String,
    #[serde(default = "end")]
    marker_end: String,
    #[serde(default)]
    state: Presence,
    insertafter: Option<String>,
    insertbefore: Option<String>,
    #[serde(default)]
    create: bool,
    /// A blank line before the block, unless one is there or the block starts the file.
    #[serde(default)]
    prepend_newline: bool,
    /// A blank line after the block, unless one is there or the block ends the file.
    #[serde(default)]
    append_newline: bool,
    /// Keep the replaced file beside it (`backup_file` in the result).
    #[serde(default)]
    backup: bool,
    /// A command that must accept the new file (`%s`) before it replaces the old.
    validate: Option<String>,
    /// Accepted for Ansible's playbooks; every write is atomic anyway.
    #[serde(default, rename = "unsafe_writes")]
    _unsafe_writes: bool,
    mode: Option<Mode>,
    owner: Option<String>,
    group: Option<String>,
}

/// Ansible's markers, so blocks it wrote are found and replaced, not doubled.
fn default_marker() -> String {
    "# {mark} ANSIBLE MANAGED BLOCK".into()
}
fn begin() -> String {
    "BEGIN".into()
}
fn end() -> String {
    "END".into()
}

impl BlockInFile {
    fn edited(&self, text: &str) -> Result<String, ModuleError> {
        let begin = self.marker.replace("{mark}", &self.marker_begin);
        let end = self.marker.replace("{mark}", &self.marker_end);
        let mut lines: Vec<&str> = text.lines().collect();
        let start = lines.iter().position(|l| *l == begin);
        let stop = start.and_then(|s| lines[s..].iter().position(|l| *l == end).map(|e| s + e));
        let block: Vec<&str> = match self.state {
            Presence::Present if !self.block.is_empty() => [begin.as_str()]
                .into_iter()
                .chain(self.block.lines())
                .chain([end.as_str()])
                .collect(),
            _ => Vec::new(),
        };
        let mut at = match (start, stop) {
            (Some(s), Some(e)) => {
                lines.drain(s..=e);
                s
            }
            _ if block.is_empty() => return Ok(lines::rejoin(text, &lines)),
            _ => lines::insert_position(
                &lines,
                self.insertafter.as_deref(),
                self.insertbefore.as_deref(),
                false,
            )?,
        };
        // As ansible-core's: only where a block is written, and never doubling a blank line.
        let written = !block.is_empty();
        if written && self.prepend_newline && at > 0 && !lines[at - 1].is_empty() {
            lines.insert(at, "");
            at += 1;
        }
        let after = at + block.len();
        lines.splice(at..at, block);
        if written && self.append_newline && after < lines.len() && !lines[after].is_empty() {
            lines.insert(after, "");
        }
        Ok(lines::rejoin(text, &lines))
    }
}

impl Action for BlockInFile {
    const NAME: &'static str = "blockinfile";
    const DOC: &'static ModuleDoc = &DOC;
}

impl EditedInPlace for BlockInFile {
    fn path(&self) -> &str {
        &self.path
    }

    fn present(&self) -> bool {
        self.state == Presence::Present
    }

    fn create(&self) -> bool {
        self.create
    }

    fn safety(&self) -> Safety {
        Safety::new(self.backup, self.validate.clone())
    }

    fn file_attrs(&self) -> FileAttrs {
        FileAttrs { mode: self.mode.clone(), owner: self.owner.clone(), group: self.group.clone() }
    }

    fn edit(&self, text: &str) -> Result<String, ModuleError> {
        self.edited(text)
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Keeps a block of lines between two marker lines in a file.",
    check_mode: CheckMode::Predicts,
    diff: true,
    returns: &[],
    example: "- blockinfile: { path: /etc/hosts, block: \"10.0.0.5 db\\n10.0.0.6 cache\" }",
};

#[cfg(test)]
mod tests {
    use crate::connection::fake::FakeHost;
    use crate::modules::on_fake_host::converges;

    #[tokio::test]
    async fn a_block_is_put_between_its_markers_then_replaced_then_removed() {
        let host = FakeHost::new();
        host.file("/etc/motd", b"welcome\n", 0o644);
        converges(&host, "blockinfile", "{path: /etc/motd, block: \"a\\nb\"}").await;
        assert_eq!(
            host.text("/etc/motd"),
            "welcome\n# BEGIN ANSIBLE MANAGED BLOCK\na\nb\n# END ANSIBLE MANAGED BLOCK\n"
        );
        converges(&host, "blockinfile", "{path: /etc/motd, block: c, insertbefore: BOF}").await;
        assert_eq!(
            host.text("/etc/motd"),
            "welcome\n# BEGIN ANSIBLE MANAGED BLOCK\nc\n# END ANSIBLE MANAGED BLOCK\n",
            "an existing block is replaced where it stands"
        );
        converges(&host, "blockinfile", "{path: /etc/motd, state: absent}").await;
        assert_eq!(host.text("/etc/motd"), "welcome\n");
    }
}
