//! What PyYAML decides about one string before it writes it: whether its plain text would read
//! back as something else (a number, a boolean, null, a date: YAML 1.1's implicit types), and
//! which styles can hold it (`analyze_scalar`).

use std::sync::LazyLock;

use regex::Regex;

/// Whether YAML 1.1 reads this plain text as something other than a string, by PyYAML's
/// resolver: booleans (`yes`, `Off` …), integers (`0x1F`, `0o17`, `1_000`, `12:30`), floats
/// (`1.5`, `.inf`), null (`~`, ``), timestamps, merge keys and `=`.
pub fn resolves_to_non_string(text: &str) -> bool {
    static IMPLICIT: LazyLock<Regex> = LazyLock::new(|| {
        let patterns = [
            r"yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF",
            r"[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
            r"[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+",
            r"<<|~|null|Null|NULL|=|",
            r"[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?",
        ];
        Regex::new(&format!("^(?:{})$", patterns.join("|"))).expect("the resolver's patterns")
    });
    IMPLICIT.is_match(text)
}

/// Which styles can write a scalar (PyYAML's `ScalarAnalysis`).
pub struct Analysis {
    pub empty: bool,
    pub multiline: bool,
    pub allow_flow_plain: bool,
    pub allow_block_plain: bool,
    pub allow_single_quoted: bool,
}

fn is_space(c: Option<char>) -> bool {
    c.is_none_or(|c| {
        matches!(c, '\0' | ' ' | '\t' | '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
    })
}

/// A line break as YAML counts them.
pub(super) fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// PyYAML's `analyze_scalar`, with `allow_unicode` (as Ansible dumps).
pub fn analyze(text: &str) -> Analysis {
    if text.is_empty() {
        return Analysis {
            empty: true,
            multiline: false,
            allow_flow_plain: false,
            allow_block_plain: true,
            allow_single_quoted: true,
        };
    }
    let chars: Vec<char> = text.chars().collect();
    let document_marker = text.starts_with("---") || text.starts_with("...");
    let (mut flow_indicators, mut block_indicators) = (document_marker, document_marker);
    let (mut line_breaks, mut special) = (false, false);
    let (mut leading, mut trailing) = (false, false);
    let (mut break_space, mut previous_break) = (false, false);
    let last = chars.len() - 1;
    for (index, &ch) in chars.iter().enumerate() {
        let preceded_by_space = index == 0 || is_space(Some(chars[index - 1]));
        let followed_by_space = is_space(chars.get(index + 1).copied());
        if index == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(ch) {
                flow_indicators = true;
                block_indicators = true;
            }
            if "?:".contains(ch) {
                flow_indicators = true;
                block_indicators |= followed_by_space;
            }
            if ch == '-' && followed_by_space {
                flow_indicators = true;
                block_indicators = true;
            }
        } else {
            if ",?[]{}".contains(ch) {
                flow_indicators = true;
            }
            if ch == ':' {
                flow_indicators = true;
                block_indicators |= followed_by_space;
            }
            if ch == '#' && preceded_by_space {
                flow_indicators = true;
                block_indicators = true;
            }
        }
        line_breaks |= is_break(ch);
        let printable_ascii = ch == '\n' || (' '..='~').contains(&ch);
        let unicode = ch == '\u{85}'
            || ('\u{A0}'..='\u{D7FF}').contains(&ch)
            || ('\u{E000}'..='\u{FFFD}').contains(&ch)
            || ('\u{10000}'..'\u{10FFFF}').contains(&ch);
        special |= !(printable_ascii || (unicode && ch != '\u{FEFF}'));
        if ch == ' ' {
            leading |= index == 0;
            trailing |= index == last;
            break_space |= previous_break;
        } else if is_break(ch) {
            leading |= index == 0;
            trailing |= index == last;
        }
        previous_break = is_break(ch);
    }
    let plain = !(leading || trailing || break_space || special || line_breaks);
    Analysis {
        empty: false,
        multiline: line_breaks,
        allow_flow_plain: plain && !flow_indicators,
        allow_block_plain: plain && !block_indicators,
        allow_single_quoted: !(break_space || special),
    }
}
