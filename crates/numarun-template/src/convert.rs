use minijinja::value::{Value, ValueKind};

use crate::diag::Span;
use crate::yaml::{self, Node, NodeKind};

/// A YAML node as a template value (templates inside stay plain strings).
pub fn node_to_value(node: &Node) -> Value {
    yaml::decode::<Value>(node).unwrap_or_else(|_| Value::from(node.scalar_text()))
}

/// A computed value as a node located where the template that made it was written.
pub fn value_to_node(value: &Value, span: &Span) -> Node {
    let kind = match value.kind() {
        ValueKind::Undefined | ValueKind::None => NodeKind::Null,
        ValueKind::Bool => NodeKind::Bool(value.is_true()),
        ValueKind::Number => match value.as_i64() {
            Some(i) if value.is_integer() => NodeKind::Int(i),
            _ => NodeKind::Float(f64::try_from(value.clone()).unwrap_or(f64::NAN)),
        },
        ValueKind::String | ValueKind::Bytes => {
            NodeKind::Str(value.as_str().map(str::to_string).unwrap_or_else(|| value.to_string()))
        }
        ValueKind::Seq | ValueKind::Iterable => NodeKind::Seq(
            value
                .try_iter()
                .map(|it| it.map(|v| value_to_node(&v, span)).collect())
                .unwrap_or_default(),
        ),
        ValueKind::Map => NodeKind::Map(
            value
                .try_iter()
                .map(|keys| {
                    keys.map(|k| {
                        let v = value.get_item(&k).unwrap_or_default();
                        (value_to_node(&k, span), value_to_node(&v, span))
                    })
                    .collect()
                })
                .unwrap_or_default(),
        ),
        _ => NodeKind::Str(value.to_string()),
    };
    Node::new(kind, span.clone())
}
