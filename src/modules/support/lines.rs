//! Line-oriented editing shared by `lineinfile` and `blockinfile`.

use regex::Regex;
use serde::Deserialize;

use crate::modules::error::ModuleError;

pub fn regex(pattern: &str) -> Result<Regex, ModuleError> {
    Regex::new(pattern)
        .map_err(|e| ModuleError::failed(format!("bad regular expression `{pattern}`: {e}")))
}

/// Lines as file text: each one ends with a newline.
pub fn join_lines(lines: &[&str]) -> String {
    lines.iter().flat_map(|l| [*l, "\n"]).collect()
}

/// The index new lines go at: after (or before) the last line matching a
/// regex (the first with `firstmatch`), `BOF`, or by default the end.
pub fn insert_position(
    lines: &[&str],
    insertafter: Option<&str>,
    insertbefore: Option<&str>,
    firstmatch: bool,
) -> Result<usize, ModuleError> {
    let pick = |pattern: &str| -> Result<Option<usize>, ModuleError> {
        let re = regex(pattern)?;
        let mut hits = lines.iter().enumerate().filter(|(_, l)| re.is_match(l)).map(|(i, _)| i);
        Ok(if firstmatch { hits.next() } else { hits.next_back() })
    };
    Ok(match (insertafter, insertbefore) {
        (_, Some("BOF")) => 0,
        (_, Some(pattern)) => pick(pattern)?.unwrap_or(lines.len()),
        (Some("EOF") | None, None) => lines.len(),
        (Some(pattern), None) => pick(pattern)?.map_or(lines.len(), |i| i + 1),
    })
}

/// Reads a managed file as text.
pub fn as_text(path: &str, bytes: Option<&[u8]>) -> Result<String, ModuleError> {
    String::from_utf8(bytes.unwrap_or_default().to_vec())
        .map_err(|_| ModuleError::failed(format!("{path} is not UTF-8 text")))
}

/// `kept` as file text; `text` itself, byte for byte, when no line changed.
pub fn rejoin(text: &str, kept: &[&str]) -> String {
    if kept.iter().copied().eq(text.lines()) { text.to_string() } else { join_lines(kept) }
}

/// Whether a line, block or entry should be in the file (`state:` of the line modules).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Presence {
    #[default]
    Present,
    Absent,
}
