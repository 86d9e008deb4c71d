use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, LazyLock};

use regex::Regex;
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span as YamlSpan, StrInput, Tag};

use super::node::{Node, NodeKind};
use crate::diag::{Diag, DiagKind, Source, Span};

/// Aliases may not expand a document beyond this many nodes (billion laughs).
const MAX_NODES: usize = 200_000;

/// Reads and parses one YAML file (a single document). A vaulted file is decrypted, and every
/// string value in it becomes a secret.
pub fn load_file(path: &Path) -> Result<Node, Diag> {
    let (text, vaulted) = crate::text_file::read_telling(path)?;
    let node = load_str(Source::new(path.display().to_string(), text))?;
    if vaulted {
        reveal_values(&node);
    }
    Ok(node)
}

/// Marks every string value under the node secret (a mapping's keys are names, not secrets).
fn reveal_values(node: &Node) {
    match &node.kind {
        NodeKind::Str(text) => crate::vault::reveal(text),
        NodeKind::Seq(items) => items.iter().for_each(reveal_values),
        NodeKind::Map(entries) => entries.iter().for_each(|(_, value)| reveal_values(value)),
        _ => {}
    }
}

/// Parses a source holding a single YAML document; an empty one is null.
pub fn load_str(source: Arc<Source>) -> Result<Node, Diag> {
    let mut loader = Loader::new(&source);
    let mut document = None;
    loop {
        let (event, span) = loader.next()?;
        match event {
            Event::StreamStart | Event::DocumentEnd => {}
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                if document.is_some() {
                    return Err(Diag::at(
                        &loader.span(span),
                        DiagKind::Syntax(
                            "a second YAML document in one file; numarun reads one".into(),
                        ),
                    ));
                }
                let (event, span) = loader.next()?;
                document = Some(loader.node(event, span)?);
            }
            _ => {
                return Err(Diag::at(
                    &loader.span(span),
                    DiagKind::Syntax("unexpected YAML event".into()),
                ));
            }
        }
    }
    Ok(document.unwrap_or_else(|| Node::new(NodeKind::Null, Span::new(&source, 0, 0))))
}

struct Loader<'a> {
    parser: Parser<'a, StrInput<'a>>,
    source: &'a Arc<Source>,
    /// Byte offset of each char, present only when the text is not ASCII.
    char_bytes: Option<Vec<usize>>,
    anchors: HashMap<usize, Node>,
    nodes: usize,
}

impl<'a> Loader<'a> {
    fn new(source: &'a Arc<Source>) -> Loader<'a> {
        let text = &source.text;
        let char_bytes = (!text.is_ascii())
            .then(|| text.char_indices().map(|(b, _)| b).chain([text.len()]).collect());
        Loader {
            parser: Parser::new_from_str(text),
            source,
            char_bytes,
            anchors: HashMap::new(),
            nodes: 0,
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        match &self.char_bytes {
            Some(table) => table.get(char_index).copied().unwrap_or(self.source.text.len()),
            None => char_index.min(self.source.text.len()),
        }
    }

    fn span(&self, span: YamlSpan) -> Span {
        Span::new(self.source, self.byte(span.start.index()), self.byte(span.end.index()))
    }

    fn next(&mut self) -> Result<(Event<'a>, YamlSpan), Diag> {
        match self.parser.next_event() {
            Some(Ok(pair)) => Ok(pair),
            Some(Err(e)) => Err(self.scan_error(&e)),
            None => Err(Diag::new(DiagKind::Syntax("unexpected end of YAML".into()), None)),
        }
    }

    fn scan_error(&self, e: &ScanError) -> Diag {
        let at = self.byte(e.marker().index());
        Diag::at(
            &Span::new(self.source, at, at + 1),
            DiagKind::Syntax(format!("invalid YAML: {}", e.info())),
        )
    }

    fn count(&mut self, n: usize, span: &Span) -> Result<(), Diag> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return Err(Diag::at(
                span,
                DiagKind::Syntax(format!(
                    "the document expands to more than {MAX_NODES} values (an alias bomb?)"
                )),
            ));
        }
        Ok(())
    }

    fn remember(&mut self, anchor: usize, node: &Node) {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
    }

    fn node(&mut self, event: Event<'a>, at: YamlSpan) -> Result<Node, Diag> {
        let span = self.span(at);
        self.count(1, &span)?;
        match event {
            Event::Scalar(value, style, anchor, tag) => {
                let node = Node::new(resolve_scalar(&value, style, tag.as_deref(), &span)?, span);
                self.remember(anchor, &node);
                Ok(node)
            }
            Event::Alias(id) => {
                let target = self.anchors.get(&id).cloned().ok_or_else(|| {
                    Diag::at(&span, DiagKind::Syntax("alias to an unknown anchor".into()))
                })?;
                self.count(target.weight(), &span)?;
                Ok(target)
            }
            Event::SequenceStart(anchor, tag) => {
                reject_tag(tag.as_deref(), &span)?;
                let mut items = Vec::new();
                let end = loop {
                    let (event, at) = self.next()?;
                    if let Event::SequenceEnd = event {
                        break self.byte(at.end.index());
                    }
                    items.push(self.node(event, at)?);
                };
                let node = Node::new(NodeKind::Seq(items), Span::new(self.source, span.start, end));
                self.remember(anchor, &node);
                Ok(node)
            }
            Event::MappingStart(anchor, tag) => {
                reject_tag(tag.as_deref(), &span)?;
                let node = self.mapping(span)?;
                self.remember(anchor, &node);
                Ok(node)
            }
            _ => Err(Diag::at(&span, DiagKind::Syntax("unexpected YAML event".into()))),
        }
    }

    fn mapping(&mut self, start: Span) -> Result<Node, Diag> {
        let mut entries: Vec<(Node, Node)> = Vec::new();
        let mut merged: Vec<(Node, Node)> = Vec::new();
        let end = loop {
            let (event, at) = self.next()?;
            if let Event::MappingEnd = event {
                break self.byte(at.end.index());
            }
            let key = self.node(event, at)?;
            let (event, at) = self.next()?;
            let value = self.node(event, at)?;
            if key.as_str() == Some("<<") {
                merged.extend(merge_entries(value)?);
                continue;
            }
            if let Some((first, _)) = entries.iter().find(|(k, _)| same_key(k, &key)) {
                return Err(Diag::at(
                    &key.span,
                    DiagKind::DuplicateKey {
                        key: key.scalar_text(),
                        first: first.span.to_string(),
                    },
                ));
            }
            entries.push((key, value));
        };
        // Explicit keys win over merged ones, whatever their order (YAML merge key).
        for (k, v) in merged {
            if !entries.iter().any(|(e, _)| same_key(e, &k)) {
                entries.push((k, v));
            }
        }
        Ok(Node::new(NodeKind::Map(entries), Span::new(self.source, start.start, end)))
    }
}

fn merge_entries(value: Node) -> Result<Vec<(Node, Node)>, Diag> {
    match value.kind {
        NodeKind::Map(entries) => Ok(entries),
        NodeKind::Seq(maps) => {
            let mut all = Vec::new();
            for map in maps {
                all.extend(merge_entries(map)?);
            }
            Ok(all)
        }
        _ => Err(value.wrong_type("a mapping to merge with `<<`")),
    }
}

fn same_key(a: &Node, b: &Node) -> bool {
    !matches!(a.kind, NodeKind::Seq(_) | NodeKind::Map(_)) && a.scalar_text() == b.scalar_text()
}

fn reject_tag(tag: Option<&Tag>, span: &Span) -> Result<(), Diag> {
    match tag {
        Some(t) if !t.is_yaml_core_schema() => {
            Err(Diag::at(span, DiagKind::Syntax(format!("the YAML tag {t} is not supported"))))
        }
        _ => Ok(()),
    }
}

static INT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[-+]?(0|[1-9][0-9_]*)$").unwrap());
static OCTAL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[-+]?0[0-7_]+$").unwrap());
static HEX: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[-+]?0x[0-9a-fA-F_]+$").unwrap());
static FLOAT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+]?[0-9]+)?$|^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$",
    )
    .unwrap()
});

/// YAML 1.1 resolution as PyYAML (and so Ansible) does it: `yes` is true,
/// `0755` is octal; quoted scalars are always strings.
fn resolve_scalar(
    value: &str,
    style: ScalarStyle,
    tag: Option<&Tag>,
    span: &Span,
) -> Result<NodeKind, Diag> {
    let text = value;
    if let Some(tag) = tag {
        if tag.handle == "!" && tag.suffix == "vault" {
            // `!vault |` holds a value `ansible-vault encrypt_string` wrote.
            return crate::vault::decrypt(text)
                .map(NodeKind::Str)
                .map_err(|e| Diag::at(span, DiagKind::Invalid(format!("this !vault value: {e}"))));
        }
        if !tag.is_yaml_core_schema() {
            return Err(Diag::at(
                span,
                DiagKind::Syntax(format!("the YAML tag {tag} is not supported")),
            ));
        }
        return match tag.suffix.as_str() {
            "str" => Ok(NodeKind::Str(text.to_string())),
            _ => resolve_plain(text, span),
        };
    }
    if style != ScalarStyle::Plain {
        return Ok(NodeKind::Str(text.to_string()));
    }
    resolve_plain(text, span)
}

fn resolve_plain(text: &str, span: &Span) -> Result<NodeKind, Diag> {
    let kind = match text {
        "" | "~" | "null" | "Null" | "NULL" => NodeKind::Null,
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            NodeKind::Bool(true)
        }
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            NodeKind::Bool(false)
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" => NodeKind::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => NodeKind::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => NodeKind::Float(f64::NAN),
        _ => {
            let digits = text.replace('_', "");
            let int = |radix_digits: &str, radix: u32| {
                let (negative, body) = match radix_digits.as_bytes().first() {
                    Some(b'-') => (true, &radix_digits[1..]),
                    Some(b'+') => (false, &radix_digits[1..]),
                    _ => (false, radix_digits),
                };
                let body = body.trim_start_matches("0x");
                i64::from_str_radix(body, radix)
                    .map(|v| NodeKind::Int(if negative { -v } else { v }))
                    .map_err(|e| {
                        Diag::at(span, DiagKind::Syntax(format!("number out of range: {e}")))
                    })
            };
            if INT.is_match(text) {
                int(&digits, 10)?
            } else if OCTAL.is_match(text) {
                int(&digits, 8)?
            } else if HEX.is_match(text) {
                int(&digits, 16)?
            } else if FLOAT.is_match(text) && text != "." {
                NodeKind::Float(
                    digits
                        .parse()
                        .map_err(|_| Diag::at(span, DiagKind::Syntax("bad number".into())))?,
                )
            } else {
                NodeKind::Str(text.to_string())
            }
        }
    };
    Ok(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(text: &str) -> NodeKind {
        load_str(Source::new("t.yaml", format!("v: {text}\n")))
            .unwrap()
            .get("v")
            .unwrap()
            .kind
            .clone()
    }

    #[test]
    fn scalars_resolve_as_yaml_1_1() {
        assert!(matches!(scalar("yes"), NodeKind::Bool(true)));
        assert!(matches!(scalar("Off"), NodeKind::Bool(false)));
        assert!(matches!(scalar("0755"), NodeKind::Int(493)));
        assert!(matches!(scalar("0x1F"), NodeKind::Int(31)));
        assert!(matches!(scalar("1_000"), NodeKind::Int(1000)));
        assert!(matches!(scalar("1.5"), NodeKind::Float(f) if f == 1.5));
        assert!(matches!(scalar("~"), NodeKind::Null));
        assert!(matches!(scalar("'yes'"), NodeKind::Str(s) if s == "yes"));
        assert!(matches!(scalar("!!str 0755"), NodeKind::Str(s) if s == "0755"));
        assert!(matches!(scalar("15GB"), NodeKind::Str(s) if s == "15GB"));
    }

    #[test]
    fn merge_keys_fill_in_without_overriding() {
        let node =
            load_str(Source::new("t.yaml", "base: &b { a: 1, b: 2 }\nx: { <<: *b, b: 3 }\n"))
                .unwrap();
        let x = node.get("x").unwrap();
        assert!(matches!(x.get("a").unwrap().kind, NodeKind::Int(1)));
        assert!(matches!(x.get("b").unwrap().kind, NodeKind::Int(3)));
    }

    #[test]
    fn spans_count_characters_not_bytes_before_them() {
        let node = load_str(Source::new("t.yaml", "é: 1\nkey: wrong\n")).unwrap();
        let value = node.get("key").unwrap();
        assert_eq!(value.span.text(), "wrong");
        assert_eq!(value.span.line_col(), (2, 6));
    }
}
