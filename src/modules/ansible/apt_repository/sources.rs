//! APT's one-line source files (`sources.list`, `sources.list.d/*.list`) read as ansible-core's
//! `apt_repository` reads them: each line a source (`deb …`, `deb-src …`), enabled or
//! commented out, with a comment after `#`; anything else kept as a line that is no source.

/// One line of a source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLine {
    /// It starts (after any `#`) with a source type.
    pub valid: bool,
    /// Not commented out.
    pub enabled: bool,
    /// The line without its `#`s, its words joined by single spaces when it is a source.
    pub source: String,
    pub comment: String,
}

const SOURCE_TYPES: [&str; 6] = ["deb", "deb-src", "rpm", "rpm-src", "rpm-dir", "rpm-src-dir"];

impl SourceLine {
    /// A line as ansible-core parses it.
    pub fn parse(line: &str) -> SourceLine {
        let mut line = line.trim();
        let enabled = !line.starts_with('#');
        if !enabled {
            line = &line[1..];
        }
        let mut comment = String::new();
        if let Some(at) = line.find('#').filter(|at| *at > 0) {
            comment = line[at + 1..].trim().to_string();
            line = &line[..at];
        }
        let mut source = line.trim().to_string();
        let words: Vec<&str> = source.split_whitespace().collect();
        let valid = words.first().is_some_and(|w| SOURCE_TYPES.contains(w));
        if valid {
            source = words.join(" ");
        }
        SourceLine { valid, enabled, source, comment }
    }

    /// The line as ansible-core writes it back.
    pub fn render(&self) -> String {
        let mut line = String::new();
        if !self.enabled {
            line.push_str("# ");
        }
        line.push_str(&self.source);
        if !self.comment.is_empty() {
            line.push_str(" # ");
            line.push_str(&self.comment);
        }
        line.push('\n');
        line
    }
}

/// A source file's text as its lines.
pub fn parse_file(text: &str) -> Vec<SourceLine> {
    text.lines().map(SourceLine::parse).collect()
}

/// The lines as a file's text; `None` when there are none (the file goes).
pub fn render_file(lines: &[SourceLine]) -> Option<String> {
    (!lines.is_empty()).then(|| lines.iter().map(SourceLine::render).collect())
}

/// The file ansible-core puts a new source in: its address without scheme, options or
/// credentials, every run of other characters an `_` (`deb [arch=amd64] https://u:p@x.org/a b`
/// goes to `x_org_a.list`).
pub fn suggested_file_name(source: &str) -> String {
    let without_options = regex::Regex::new(r"\[[^\]]+\]").expect("regex").replace_all(source, "");
    let without_scheme =
        regex::Regex::new(r"\w+://").expect("regex").replace_all(&without_options, "");
    let first = without_scheme
        .split_whitespace()
        .find(|word| !SOURCE_TYPES.contains(word))
        .unwrap_or_default();
    let address = first.split_once('@').map_or(first, |(_, host)| host);
    let words: Vec<String> = address
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    format!("{}.list", words.join("_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_and_render_as_ansible_core_does() {
        let line = SourceLine::parse("#deb   http://x.org/debian  bookworm main # the mirror");
        assert_eq!(
            line,
            SourceLine {
                valid: true,
                enabled: false,
                source: "deb http://x.org/debian bookworm main".into(),
                comment: "the mirror".into()
            }
        );
        assert_eq!(line.render(), "# deb http://x.org/debian bookworm main # the mirror\n");
        assert_eq!(SourceLine::parse("").render(), "\n");
        assert!(!SourceLine::parse("# just words").valid);
        assert_eq!(
            suggested_file_name(
                "deb [arch=amd64 signed-by=/k.gpg] https://u:p@dl.x.org/linux/deb stable main"
            ),
            "dl_x_org_linux_deb.list"
        );
    }
}
