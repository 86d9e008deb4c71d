//! `replace`: every match of a regular expression in a file replaced (Python's `re.sub`
//! with `MULTILINE`, `\1` back-references), optionally only between `after` and `before`. A
//! rerun finds nothing left to replace once the replacement no longer matches.

use serde::Deserialize;

use crate::modules::action::Action;
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::support::attrs::{FileAttrs, Mode};
use crate::modules::support::content::EditedInPlace;
use crate::modules::support::safe_write::Safety;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Replace {
    #[serde(alias = "dest", alias = "destfile", alias = "name")]
    #[schemars(extend("x-aliases" = ["dest", "destfile", "name"]))]
    path: String,
    regexp: String,
    #[serde(default)]
    replace: String,
    after: Option<String>,
    before: Option<String>,
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

fn compile(pattern: &str) -> Result<regex::Regex, ModuleError> {
    regex::Regex::new(pattern)
        .map_err(|e| ModuleError::failed(format!("Unable to process replace due to error: {e}")))
}

impl Replace {
    /// The part of the text the replacement applies to, as a byte range: between `after` and
    /// `before` (the whole text when neither is given); `None` when they do not match.
    fn section(&self, text: &str) -> Result<Option<std::ops::Range<usize>>, ModuleError> {
        let pattern = match (&self.after, &self.before) {
            (None, None) => return Ok(Some(0..text.len())),
            (Some(a), Some(b)) => format!("(?s){a}(?P<subsection>.*?){b}"),
            (Some(a), None) => format!("(?s){a}(?P<subsection>.*)"),
            (None, Some(b)) => format!("(?s)(?P<subsection>.*){b}"),
        };
        Ok(compile(&pattern)?.captures(text).and_then(|c| c.name("subsection")).map(|m| m.range()))
    }
}

impl Action for Replace {
    const NAME: &'static str = "replace";
    const DOC: &'static ModuleDoc = &DOC;
}

impl EditedInPlace for Replace {
    fn path(&self) -> &str {
        &self.path
    }

    fn present(&self) -> bool {
        true
    }

    fn create(&self) -> bool {
        false
    }

    fn safety(&self) -> Safety {
        Safety::new(self.backup, self.validate.clone())
    }

    fn file_attrs(&self) -> FileAttrs {
        FileAttrs { mode: self.mode.clone(), owner: self.owner.clone(), group: self.group.clone() }
    }

    fn edit(&self, text: &str) -> Result<String, ModuleError> {
        let Some(range) = self.section(text)? else { return Ok(text.to_string()) };
        let regexp = compile(&format!("(?m){}", self.regexp))?;
        let replacement = crate::template::python_replacement(&self.replace);
        let replaced = regexp.replace_all(&text[range.clone()], replacement.as_str());
        Ok(format!("{}{replaced}{}", &text[..range.start], &text[range.end..]))
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Replaces every match of a regular expression in a file.",
    check_mode: CheckMode::Predicts,
    diff: true,
    returns: &[],
    example: "- replace: { path: /etc/default/grub, regexp: 'quiet splash', replace: quiet }",
};

#[cfg(test)]
mod tests {
    use crate::connection::fake::{FakeEntry, FakeHost};
    use crate::modules::on_fake_host::converges;

    #[tokio::test]
    async fn every_match_is_replaced_with_its_groups() {
        let host = FakeHost::new();
        host.file("/etc/app.ini", b"host=a.example\nbackup=b.example\n", 0o600);
        let args = "{path: /etc/app.ini, regexp: '=(\\w+)\\.example', replace: '=\\1.internal'}";
        converges(&host, "replace", args).await;
        assert_eq!(
            host.entry("/etc/app.ini"),
            Some(FakeEntry::File {
                bytes: b"host=a.internal\nbackup=b.internal\n".to_vec(),
                mode: 0o600
            }),
            "the file keeps its mode"
        );
    }
}
