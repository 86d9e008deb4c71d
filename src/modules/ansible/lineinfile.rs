//! `lineinfile`: one line present (replacing what `regexp` matches) or absent;
//! a rerun finds its line and never adds it twice.

use serde::Deserialize;

use crate::diag::Diag;
use crate::modules::action::Action;
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::support::attrs::{FileAttrs, Mode};
use crate::modules::support::content::EditedInPlace;
use crate::modules::support::lines;
use crate::modules::support::lines::Presence;
use crate::modules::support::safe_write::Safety;
use crate::yaml::Node;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LineInFile {
    #[serde(alias = "dest", alias = "destfile", alias = "name")]
    #[schemars(extend("x-aliases" = ["dest", "destfile", "name"]))]
    path: String,
    line: Option<String>,
    #[serde(alias = "regex")]
    #[schemars(extend("x-aliases" = ["regex"]))]
    regexp: Option<String>,
    /// A literal text a line contains, in place of `regexp`.
    search_string: Option<String>,
    /// With `regexp`: the matching line becomes `line` with `\1` expanded; no match, no change.
    #[serde(default)]
    backrefs: bool,
    #[serde(default)]
    state: Presence,
    insertafter: Option<String>,
    insertbefore: Option<String>,
    #[serde(default)]
    firstmatch: bool,
    #[serde(default)]
    create: bool,
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

impl LineInFile {
    /// The file's new text; the same text back means nothing to do.
    fn edited(&self, text: &str) -> Result<String, ModuleError> {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let regexp = self.regexp.as_deref().map(lines::regex).transpose()?;
        let search = self.search_string.as_deref();
        let matches = |l: &str| match (&regexp, search) {
            (Some(re), _) => re.is_match(l),
            (None, Some(s)) => l.contains(s),
            (None, None) => Some(l) == self.line.as_deref(),
        };
        match self.state {
            Presence::Absent => lines.retain(|l| !matches(l)),
            Presence::Present => {
                let line = self.line.as_deref().unwrap_or_default();
                let found: Vec<usize> = lines
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| (regexp.is_some() || search.is_some()) && matches(l))
                    .map(|(i, _)| i)
                    .collect();
                let target = if self.firstmatch { found.first() } else { found.last() };
                match (target, &regexp) {
                    (Some(&i), Some(re)) if self.backrefs => {
                        let caps = re.captures(&lines[i]).expect("matched");
                        let mut expanded = String::new();
                        caps.expand(&crate::template::python_replacement(line), &mut expanded);
                        lines[i] = expanded;
                    }
                    (Some(&i), _) => lines[i] = line.to_string(),
                    (None, _) if self.backrefs => {}
                    (None, _) if !lines.iter().any(|l| l == line) => {
                        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
                        let position = self.position(&refs)?;
                        lines.insert(position, line.to_string());
                    }
                    (None, _) => {}
                }
            }
        }
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        Ok(lines::rejoin(text, &refs))
    }

    fn position(&self, lines: &[&str]) -> Result<usize, ModuleError> {
        lines::insert_position(
            lines,
            self.insertafter.as_deref(),
            self.insertbefore.as_deref(),
            self.firstmatch,
        )
    }
}

impl Action for LineInFile {
    const NAME: &'static str = "lineinfile";
    const DOC: &'static ModuleDoc = &DOC;
}

impl EditedInPlace for LineInFile {
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
        Safety { backup_key: "backup", ..Safety::new(self.backup, self.validate.clone()) }
    }

    fn file_attrs(&self) -> FileAttrs {
        FileAttrs { mode: self.mode.clone(), owner: self.owner.clone(), group: self.group.clone() }
    }

    fn edit(&self, text: &str) -> Result<String, ModuleError> {
        self.edited(text)
    }

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        match self.state {
            Presence::Present if self.line.is_none() => {
                Err(Diag::invalid(&args.span, "state: present needs `line`"))
            }
            Presence::Absent
                if self.line.is_none() && self.regexp.is_none() && self.search_string.is_none() =>
            {
                Err(Diag::invalid(
                    &args.span,
                    "state: absent needs `regexp`, `search_string` or `line`",
                ))
            }
            _ if self.regexp.is_some() && self.search_string.is_some() => {
                Err(Diag::invalid(&args.span, "give `regexp` or `search_string`, not both"))
            }
            _ if self.backrefs && self.regexp.is_none() => {
                Err(Diag::invalid(&args.span, "`backrefs` needs `regexp`"))
            }
            _ if self.insertafter.is_some() && self.insertbefore.is_some() => {
                Err(Diag::invalid(&args.span, "give `insertafter` or `insertbefore`, not both"))
            }
            _ => Ok(()),
        }
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Makes sure one line is in a file (or is not), replacing the line a `regexp` or `search_string` finds.",
    check_mode: CheckMode::Predicts,
    diff: true,
    returns: &[],
    example: "- lineinfile: { path: /etc/ssh/sshd_config, regexp: '^#?PasswordAuthentication', line: PasswordAuthentication no }",
};

#[cfg(test)]
mod tests {
    use crate::connection::fake::{FakeEntry, FakeHost};
    use crate::modules::on_fake_host::{converges, pass};

    #[tokio::test]
    async fn a_line_replaces_what_its_regexp_finds_once() {
        let host = FakeHost::new();
        host.file("/etc/app.conf", b"port=80\n# port=8080\nname=x\n", 0o640);
        let first = converges(
            &host,
            "lineinfile",
            "{path: /etc/app.conf, regexp: '^port=', line: port=443}",
        )
        .await;
        assert!(first.starts_with("changed"), "{first}");
        assert_eq!(host.text("/etc/app.conf"), "port=443\n# port=8080\nname=x\n");
        // A line is edited by reading and writing the file: no program runs on the host.
        assert_eq!(host.ran(), Vec::<String>::new());
    }

    #[tokio::test]
    async fn a_missing_line_goes_after_its_anchor_or_at_the_end() {
        let host = FakeHost::new();
        host.file("/etc/hosts", b"127.0.0.1 localhost\n::1 localhost\n", 0o644);
        converges(
            &host,
            "lineinfile",
            "{path: /etc/hosts, line: 10.0.0.2 db, insertafter: '^127'}",
        )
        .await;
        converges(&host, "lineinfile", "{path: /etc/hosts, line: 10.0.0.3 web}").await;
        assert_eq!(
            host.text("/etc/hosts"),
            "127.0.0.1 localhost\n10.0.0.2 db\n::1 localhost\n10.0.0.3 web\n"
        );
        converges(&host, "lineinfile", "{path: /etc/hosts, regexp: 'db$', state: absent}").await;
        assert!(!host.text("/etc/hosts").contains("db"));
    }

    #[tokio::test]
    async fn a_file_that_is_not_there_is_made_only_when_asked() {
        let host = FakeHost::new();
        let refused = pass(&host, "lineinfile", "{path: /tmp/new, line: x}").await;
        assert!(refused.starts_with("failed"), "{refused}");
        assert_eq!(host.entry("/tmp/new"), None);
        converges(&host, "lineinfile", "{path: /tmp/new, line: x, create: true, mode: '0600'}")
            .await;
        assert_eq!(
            host.entry("/tmp/new"),
            Some(FakeEntry::File { bytes: b"x\n".to_vec(), mode: 0o600 })
        );
    }
}
