//! YAML text as ansible-core's `to_yaml` and `to_nice_yaml` write it: PyYAML's `yaml.dump`
//! (its representer choosing flow or block, its emitter choosing how each scalar is quoted and
//! where a long line breaks). The rules follow PyYAML's emitter decision for decision, so the
//! bytes match; `tests/ansible_templating.rs` compares them with ansible-core's own.

use serde_json::Value;

use super::python_json::float_repr;
use super::python_scalar::{Analysis, analyze, resolves_to_non_string};
use super::python_yaml_writer::{Context, Emitter};

/// How a document is laid out: `yaml.dump`'s `indent`, `width`, `default_flow_style` (`None`:
/// a collection of scalars only is written in flow style; `False`: every one in block style)
/// and `sort_keys`.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    /// Spaces a nested block adds (2 to 9).
    pub indent: usize,
    /// The column past which a line breaks at the next space.
    pub width: usize,
    /// A collection of scalars only is written in flow style (`[1, 2]`, `{k: v}`).
    pub flow_leaves: bool,
    /// Mapping keys sorted, as `yaml.dump` does by default.
    pub sort_keys: bool,
}

impl Layout {
    /// `to_yaml`: indent 2, flow style for collections of scalars, keys sorted.
    pub const TERSE: Layout = Layout { indent: 2, width: 80, flow_leaves: true, sort_keys: true };
    /// `to_nice_yaml`: indent 4, block style throughout, keys sorted.
    pub const NICE: Layout = Layout { indent: 4, width: 80, flow_leaves: false, sort_keys: true };
}

/// `value` as one YAML document (no `---`, no `...`), ending in a newline.
pub fn dump(value: &Value, layout: Layout) -> String {
    let node = represent(value, layout);
    // PyYAML takes an indent of 2 to 9 and a width over twice the indent; others get defaults.
    let best_indent = if (2..10).contains(&layout.indent) { layout.indent } else { 2 };
    let best_width = if layout.width > best_indent * 2 { layout.width } else { 80 };
    let mut emitter = Emitter {
        out: String::new(),
        best_indent,
        best_width,
        indent: None,
        indents: Vec::new(),
        flow_level: 0,
        context: Context::default(),
        column: 0,
        whitespace: true,
        indention: true,
    };
    emitter.node(&node, Context::default());
    emitter.write_indent();
    emitter.out
}

/// A represented value: scalars carry their text, collections whether they are written in flow.
enum Node {
    /// `implicit`: the plain text reads back as this value (a string that looks like a number,
    /// a boolean or null does not, and gets quotes).
    Scalar {
        text: String,
        implicit: bool,
    },
    Sequence {
        items: Vec<Node>,
        flow: bool,
    },
    Mapping {
        pairs: Vec<(Node, Node)>,
        flow: bool,
    },
}

impl Node {
    fn is_scalar(&self) -> bool {
        matches!(self, Node::Scalar { .. })
    }
}

fn represent(value: &Value, layout: Layout) -> Node {
    let scalar = |text: String| Node::Scalar { text, implicit: true };
    match value {
        Value::Null => scalar("null".into()),
        Value::Bool(b) => scalar(b.to_string()),
        Value::Number(n) => match n.as_f64().filter(|_| n.is_f64()) {
            Some(f) => scalar(yaml_float(f)),
            None => scalar(n.to_string()),
        },
        Value::String(s) => Node::Scalar { text: s.clone(), implicit: !resolves_to_non_string(s) },
        Value::Array(items) => {
            let items: Vec<Node> = items.iter().map(|v| represent(v, layout)).collect();
            let flow = layout.flow_leaves && items.iter().all(Node::is_scalar);
            Node::Sequence { items, flow }
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            if layout.sort_keys {
                keys.sort();
            }
            let pairs: Vec<(Node, Node)> = keys
                .into_iter()
                .map(|k| (represent(&Value::String(k.clone()), layout), represent(&map[k], layout)))
                .collect();
            let flow = layout.flow_leaves && pairs.iter().all(|(_, v)| v.is_scalar());
            Node::Mapping { pairs, flow }
        }
    }
}

/// PyYAML's float: Python's `repr`, lower case, with `.0` before an exponent that has no point.
fn yaml_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf".into() } else { "-.inf".into() };
    }
    let text = float_repr(f).to_lowercase();
    if !text.contains('.') && text.contains('e') { text.replacen('e', ".0e", 1) } else { text }
}

impl Emitter {
    fn node(&mut self, node: &Node, context: Context) {
        self.context = context;
        match node {
            Node::Scalar { text, implicit } => {
                self.increase_indent(true, false);
                self.scalar(text, *implicit);
                self.indent = self.indents.pop().flatten();
            }
            Node::Sequence { items, flow } if self.flow_level > 0 || *flow || items.is_empty() => {
                self.flow_sequence(items)
            }
            Node::Sequence { items, .. } => self.block_sequence(items),
            Node::Mapping { pairs, flow } if self.flow_level > 0 || *flow || pairs.is_empty() => {
                self.flow_mapping(pairs)
            }
            Node::Mapping { pairs, .. } => self.block_mapping(pairs),
        }
    }

    fn in_sequence() -> Context {
        Context::default()
    }

    fn in_mapping(simple_key: bool) -> Context {
        Context { mapping: true, simple_key }
    }

    fn flow_sequence(&mut self, items: &[Node]) {
        self.write_indicator("[", true, true, false);
        self.flow_level += 1;
        self.increase_indent(true, false);
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.write_indicator(",", false, false, false);
            }
            if self.column > self.best_width {
                self.write_indent();
            }
            self.node(item, Emitter::in_sequence());
        }
        self.indent = self.indents.pop().flatten();
        self.flow_level -= 1;
        self.write_indicator("]", false, false, false);
    }

    fn flow_mapping(&mut self, pairs: &[(Node, Node)]) {
        self.write_indicator("{", true, true, false);
        self.flow_level += 1;
        self.increase_indent(true, false);
        for (i, (key, value)) in pairs.iter().enumerate() {
            if i > 0 {
                self.write_indicator(",", false, false, false);
            }
            if self.column > self.best_width {
                self.write_indent();
            }
            self.mapping_entry(key, value, true);
        }
        self.indent = self.indents.pop().flatten();
        self.flow_level -= 1;
        self.write_indicator("}", false, false, false);
    }

    fn block_sequence(&mut self, items: &[Node]) {
        // A sequence that is a mapping's value starts at the mapping's own indentation.
        let indentless = self.context.mapping && !self.indention;
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.node(item, Emitter::in_sequence());
        }
        self.indent = self.indents.pop().flatten();
    }

    fn block_mapping(&mut self, pairs: &[(Node, Node)]) {
        self.increase_indent(false, false);
        for (key, value) in pairs {
            self.write_indent();
            self.mapping_entry(key, value, false);
        }
        self.indent = self.indents.pop().flatten();
    }

    /// One key and its value: `key: value`, or `? key` then `: value` for a key that cannot be
    /// simple. In block style the `:` goes on a line of its own; in flow style only past the
    /// width.
    fn mapping_entry(&mut self, key: &Node, value: &Node, flow: bool) {
        if is_simple_key(key) {
            self.node(key, Emitter::in_mapping(true));
            self.write_indicator(":", false, false, false);
        } else {
            self.write_indicator("?", true, false, !flow);
            self.node(key, Emitter::in_mapping(false));
            if !flow || self.column > self.best_width {
                self.write_indent();
            }
            self.write_indicator(":", true, false, !flow);
        }
        self.node(value, Emitter::in_mapping(false));
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        self.indent = match self.indent {
            None if flow => Some(self.best_indent),
            None => Some(0),
            Some(indent) if !indentless => Some(indent + self.best_indent),
            same => same,
        };
    }

    /// PyYAML's `choose_scalar_style` and `process_scalar`.
    fn scalar(&mut self, text: &str, implicit: bool) {
        let analysis = analyze(text);
        let split = !self.context.simple_key;
        let plain_here = if self.flow_level > 0 {
            analysis.allow_flow_plain
        } else {
            analysis.allow_block_plain
        };
        let key_needs_quotes = self.context.simple_key && (analysis.empty || analysis.multiline);
        if implicit && !key_needs_quotes && plain_here {
            self.write_plain(text, split);
        } else if analysis.allow_single_quoted && !(self.context.simple_key && analysis.multiline) {
            self.write_single_quoted(text, split);
        } else {
            self.write_double_quoted(text, split);
        }
    }
}

/// A key written as `key:` rather than `? key`: short, on one line, not empty.
fn is_simple_key(key: &Node) -> bool {
    match key {
        Node::Scalar { text, .. } => {
            let analysis: Analysis = analyze(text);
            text.chars().count() < 128 && !analysis.empty && !analysis.multiline
        }
        Node::Sequence { items, .. } => items.is_empty(),
        Node::Mapping { pairs, .. } => pairs.is_empty(),
    }
}
