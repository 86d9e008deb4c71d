//! `lineinfile`: one line present (replacing what `regexp` matches) or absent;
//! a rerun finds its line and never adds it twice.

use serde::Deserialize;

use crate::diag::Diag;
use crate::modules::error::ModuleError;
use crate::modules::support::attrs::{FileAttrs, Mode};
use crate::modules::support::content::EditedInPlace;
use crate::modules::support::lines;
use crate::modules::support::lines::Presence;
use crate::yaml::Node;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineInFile {
    #[serde(alias = "dest", alias = "destfile", alias = "name")]
    path: String,
    line: Option<String>,
    regexp: Option<String>,
    #[serde(default)]
    state: Presence,
    insertafter: Option<String>,
    insertbefore: Option<String>,
    #[serde(default)]
    firstmatch: bool,
    #[serde(default)]
    create: bool,
    mode: Option<Mode>,
    owner: Option<String>,
    group: Option<String>,
}

impl LineInFile {
    /// The file's new text; the same text back means nothing to do.
    fn edited(&self, text: &str) -> Result<String, ModuleError> {
        let mut lines: Vec<&str> = text.lines().collect();
        let regexp = self.regexp.as_deref().map(lines::regex).transpose()?;
        let matches = |l: &str| match &regexp {
            Some(re) => re.is_match(l),
            None => Some(l) == self.line.as_deref(),
        };
        match self.state {
            Presence::Absent => lines.retain(|l| !matches(l)),
            Presence::Present => {
                let line = self.line.as_deref().unwrap_or_default();
                let found: Vec<usize> = lines
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| regexp.as_ref().is_some_and(|re| re.is_match(l)))
                    .map(|(i, _)| i)
                    .collect();
                let target = if self.firstmatch { found.first() } else { found.last() };
                if let Some(&i) = target {
                    lines[i] = line;
                } else if !lines.contains(&line) {
                    let position = self.position(&lines)?;
                    lines.insert(position, line);
                }
            }
        }
        Ok(lines::rejoin(text, &lines))
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
            Presence::Absent if self.line.is_none() && self.regexp.is_none() => {
                Err(Diag::invalid(&args.span, "state: absent needs `regexp` or `line`"))
            }
            _ if self.insertafter.is_some() && self.insertbefore.is_some() => {
                Err(Diag::invalid(&args.span, "give `insertafter` or `insertbefore`, not both"))
            }
            _ => Ok(()),
        }
    }
}
