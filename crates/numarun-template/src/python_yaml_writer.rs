//! How PyYAML's emitter writes: indicators, indentation and line breaks, and each scalar plain,
//! single-quoted or double-quoted, folded at the width where PyYAML folds it
//! (`python_yaml.rs` decides the structure and which style).

use super::python_scalar::is_break;

/// Where the node being written stands (PyYAML's `*_context` flags).
#[derive(Clone, Copy, Default)]
pub(super) struct Context {
    pub(super) mapping: bool,
    pub(super) simple_key: bool,
}

/// PyYAML's `Emitter` state: where the output stands and what it last wrote.
pub(super) struct Emitter {
    pub(super) out: String,
    pub(super) best_indent: usize,
    pub(super) best_width: usize,
    pub(super) indent: Option<usize>,
    pub(super) indents: Vec<Option<usize>>,
    pub(super) flow_level: usize,
    pub(super) context: Context,
    pub(super) column: usize,
    pub(super) whitespace: bool,
    pub(super) indention: bool,
}

impl Emitter {
    pub(super) fn write(&mut self, text: &str) {
        self.column += text.chars().count();
        self.out.push_str(text);
    }

    pub(super) fn write_indicator(
        &mut self,
        indicator: &str,
        need_space: bool,
        space: bool,
        indention: bool,
    ) {
        if !self.whitespace && need_space {
            self.write(" ");
        }
        self.write(indicator);
        self.whitespace = space;
        self.indention = self.indention && indention;
    }

    pub(super) fn write_indent(&mut self) {
        let indent = self.indent.unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.write_line_break();
        }
        if self.column < indent {
            self.whitespace = true;
            let pad = " ".repeat(indent - self.column);
            self.write(&pad);
        }
    }

    pub(super) fn write_line_break(&mut self) {
        self.out.push('\n');
        self.whitespace = true;
        self.indention = true;
        self.column = 0;
    }

    /// Breaks written as YAML folds them: one more than the text holds when it starts with one.
    pub(super) fn write_breaks(&mut self, breaks: &[char]) {
        if breaks.first() == Some(&'\n') {
            self.write_line_break();
        }
        for _ in breaks {
            self.write_line_break();
        }
        self.write_indent();
    }

    pub(super) fn write_plain(&mut self, text: &str, split: bool) {
        if text.is_empty() {
            return;
        }
        if !self.whitespace {
            self.write(" ");
        }
        self.whitespace = false;
        self.indention = false;
        let chars: Vec<char> = text.chars().collect();
        let mut start = 0;
        let mut spaces = false;
        for end in 0..=chars.len() {
            let ch = chars.get(end).copied();
            if spaces {
                if ch != Some(' ') {
                    if start + 1 == end && self.column > self.best_width && split {
                        self.write_indent();
                        self.whitespace = false;
                        self.indention = false;
                    } else {
                        self.write(&chars[start..end].iter().collect::<String>());
                    }
                    start = end;
                }
            } else if ch.is_none_or(|c| c == ' ') {
                self.write(&chars[start..end].iter().collect::<String>());
                start = end;
            }
            spaces = ch == Some(' ');
        }
    }

    pub(super) fn write_single_quoted(&mut self, text: &str, split: bool) {
        self.write_indicator("'", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        let (mut start, mut spaces, mut breaks) = (0, false, false);
        for end in 0..=chars.len() {
            let ch = chars.get(end).copied();
            if spaces {
                if ch != Some(' ') {
                    let lone = start + 1 == end && start != 0 && end != chars.len();
                    if lone && self.column > self.best_width && split {
                        self.write_indent();
                    } else {
                        self.write(&chars[start..end].iter().collect::<String>());
                    }
                    start = end;
                }
            } else if breaks {
                if ch.is_none_or(|c| !is_break(c)) {
                    self.write_breaks(&chars[start..end]);
                    start = end;
                }
            } else if ch.is_none_or(|c| c == ' ' || c == '\'' || is_break(c)) && start < end {
                self.write(&chars[start..end].iter().collect::<String>());
                start = end;
            }
            if ch == Some('\'') {
                self.write("''");
                start = end + 1;
            }
            spaces = ch == Some(' ');
            breaks = ch.is_some_and(is_break);
        }
        self.write_indicator("'", false, false, false);
    }

    pub(super) fn write_double_quoted(&mut self, text: &str, split: bool) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        let mut start = 0;
        for end in 0..=chars.len() {
            let ch = chars.get(end).copied();
            if ch.is_none_or(needs_escape) {
                if start < end {
                    self.write(&chars[start..end].iter().collect::<String>());
                    start = end;
                }
                if let Some(c) = ch {
                    self.write(&escape(c));
                    start = end + 1;
                }
            }
            let breakable = end > 0 && end + 1 < chars.len() && (ch == Some(' ') || start >= end);
            if breakable && self.column + end.saturating_sub(start) > self.best_width && split {
                let mut piece: String = chars[start.min(end)..end].iter().collect();
                piece.push('\\');
                start = start.max(end);
                self.write(&piece);
                self.write_indent();
                self.whitespace = false;
                self.indention = false;
                if chars[start] == ' ' {
                    self.write("\\");
                }
            }
        }
        self.write_indicator("\"", false, false, false);
    }
}

/// What a double-quoted scalar escapes (with `allow_unicode`, as Ansible dumps).
fn needs_escape(c: char) -> bool {
    let printable = (' '..='~').contains(&c)
        || ('\u{A0}'..='\u{D7FF}').contains(&c)
        || ('\u{E000}'..='\u{FFFD}').contains(&c);
    matches!(c, '"' | '\\' | '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}') || !printable
}

fn escape(c: char) -> String {
    let short = match c {
        '\0' => "0",
        '\x07' => "a",
        '\x08' => "b",
        '\t' => "t",
        '\n' => "n",
        '\x0B' => "v",
        '\x0C' => "f",
        '\r' => "r",
        '\x1B' => "e",
        '"' => "\"",
        '\\' => "\\",
        '\u{85}' => "N",
        '\u{A0}' => "_",
        '\u{2028}' => "L",
        '\u{2029}' => "P",
        _ => "",
    };
    match c as u32 {
        _ if !short.is_empty() => format!("\\{short}"),
        n if n <= 0xFF => format!("\\x{n:02X}"),
        n if n <= 0xFFFF => format!("\\u{n:04X}"),
        n => format!("\\U{n:08X}"),
    }
}
