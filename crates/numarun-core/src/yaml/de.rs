//! Typed decoding of a [`Node`] through serde, keeping the span of the exact
//! value at fault. In lenient mode a Jinja string stands in for any scalar
//! type, so arguments can be checked before their templates can be rendered.

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};

use super::de_error::DeError;
use super::node::{Node, NodeKind};
use crate::diag::{Diag, DiagKind};

/// Decodes a node strictly: every value must already have its final type.
pub fn decode<T: DeserializeOwned>(node: &Node) -> Result<T, Diag> {
    T::deserialize(NodeDe { node, lenient: false }).map_err(DeError::into_diag)
}

/// Decodes a node where Jinja strings may later render to any type.
pub fn decode_lenient<T: DeserializeOwned>(node: &Node) -> Result<T, Diag> {
    T::deserialize(NodeDe { node, lenient: true }).map_err(DeError::into_diag)
}

/// Decodes a `Node` into a type, errors located at the node.
#[derive(Clone, Copy)]
pub struct NodeDe<'a> {
    /// The node.
    pub node: &'a Node,
    /// Whether a Jinja string may stand for any type.
    pub lenient: bool,
}

impl<'a> NodeDe<'a> {
    fn child(&self, node: &'a Node) -> NodeDe<'a> {
        NodeDe { node, lenient: self.lenient }
    }
    fn template_placeholder(&self) -> bool {
        self.lenient && self.node.is_template()
    }
    fn wrong(&self, expected: &str) -> DeError {
        let mut err = DeError {
            kind: DiagKind::WrongType { expected: expected.into(), found: self.node.type_name() },
            span: Some(self.node.span.clone()),
            help: None,
        };
        if let NodeKind::Int(_) = self.node.kind {
            let written = self.node.span.text();
            if written.len() > 1
                && written.starts_with('0')
                && written.bytes().all(|b| b.is_ascii_digit())
            {
                err.help = Some(format!(
                    "quote it ('{written}'): unquoted, YAML reads {written} as an octal number"
                ));
            }
        }
        err
    }
}

/// Ansible's truthy strings, for booleans written as strings.
fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" | "1" | "y" | "t" => Some(true),
        "no" | "false" | "off" | "0" | "n" | "f" => Some(false),
        _ => None,
    }
}

macro_rules! integer {
    ($method:ident, $visit:ident, $ty:ty) => {
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            if self.template_placeholder() {
                return visitor.$visit(<$ty>::default());
            }
            let parsed = match &self.node.kind {
                NodeKind::Int(i) => <$ty>::try_from(*i).ok(),
                NodeKind::Str(s) => s.trim().parse::<$ty>().ok(),
                _ => None,
            };
            match parsed {
                Some(v) => visitor.$visit(v).map_err(|e: DeError| e.at(&self.node.span)),
                None => Err(self.wrong(concat!("a whole number (", stringify!($ty), ")"))),
            }
        }
    };
}

impl<'de> de::Deserializer<'de> for NodeDe<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let result = match &self.node.kind {
            NodeKind::Null => visitor.visit_unit(),
            NodeKind::Bool(b) => visitor.visit_bool(*b),
            NodeKind::Int(i) => visitor.visit_i64(*i),
            NodeKind::Float(f) => visitor.visit_f64(*f),
            NodeKind::Str(s) => visitor.visit_str(s),
            NodeKind::Seq(items) => visitor.visit_seq(Seq { de: self, items: items.iter() }),
            NodeKind::Map(entries) => {
                visitor.visit_map(Map { de: self, entries: entries.iter(), value: None })
            }
        };
        result.map_err(|e| e.at(&self.node.span))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let value = match &self.node.kind {
            NodeKind::Bool(b) => Some(*b),
            NodeKind::Str(_) if self.template_placeholder() => Some(false),
            NodeKind::Str(s) => parse_bool(s),
            NodeKind::Int(i @ (0 | 1)) => Some(*i == 1),
            _ => None,
        };
        match value {
            Some(b) => visitor.visit_bool(b),
            None => Err(self.wrong("a boolean (true/false)")),
        }
    }

    integer!(deserialize_i8, visit_i8, i8);
    integer!(deserialize_i16, visit_i16, i16);
    integer!(deserialize_i32, visit_i32, i32);
    integer!(deserialize_i64, visit_i64, i64);
    integer!(deserialize_u8, visit_u8, u8);
    integer!(deserialize_u16, visit_u16, u16);
    integer!(deserialize_u32, visit_u32, u32);
    integer!(deserialize_u64, visit_u64, u64);

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let value = match &self.node.kind {
            NodeKind::Int(i) => Some(*i as f64),
            NodeKind::Float(f) => Some(*f),
            NodeKind::Str(_) if self.template_placeholder() => Some(0.0),
            NodeKind::Str(s) => s.trim().parse().ok(),
            _ => None,
        };
        match value {
            Some(f) => visitor.visit_f64(f),
            None => Err(self.wrong("a number")),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.kind {
            NodeKind::Str(s) => visitor.visit_str(s).map_err(|e: DeError| e.at(&self.node.span)),
            NodeKind::Int(_) if self.wrong("").help.is_some() => Err(self.wrong("a string")),
            NodeKind::Int(_) | NodeKind::Float(_) | NodeKind::Bool(_) => visitor
                .visit_string(self.node.scalar_text())
                .map_err(|e: DeError| e.at(&self.node.span)),
            _ => Err(self.wrong("a string")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.node.kind {
            NodeKind::Null => visitor.visit_none(),
            // Rendered later, and checked then: it may render to nothing, or to a mapping whose
            // required fields an empty stand-in would lack.
            _ if self.template_placeholder() => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.node.kind {
            NodeKind::Null => visitor.visit_unit(),
            _ => Err(self.wrong("nothing (null)")),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.kind {
            NodeKind::Seq(items) => visitor
                .visit_seq(Seq { de: self, items: items.iter() })
                .map_err(|e| e.at(&self.node.span)),
            NodeKind::Str(_) if self.template_placeholder() => {
                visitor.visit_seq(Seq { de: self, items: [].iter() })
            }
            _ => Err(self.wrong("a list")),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.kind {
            NodeKind::Map(entries) => visitor
                .visit_map(Map { de: self, entries: entries.iter(), value: None })
                .map_err(|e| e.at(&self.node.span)),
            NodeKind::Str(_) if self.template_placeholder() => {
                visitor.visit_map(Map { de: self, entries: [].iter(), value: None })
            }
            _ => Err(self.wrong("a mapping")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match &self.node.kind {
            NodeKind::Map(entries) => visitor
                .visit_map(Map { de: self, entries: entries.iter(), value: None })
                .map_err(|e| e.at(&self.node.span)),
            // Rendered later; checked then. An empty stand-in suits structs whose fields are optional.
            NodeKind::Str(_) if self.template_placeholder() => {
                visitor.visit_map(Map { de: self, entries: [].iter(), value: None })
            }
            _ => Err(self.wrong("a mapping of arguments")),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match &self.node.kind {
            NodeKind::Str(s) => visitor
                .visit_enum(s.as_str().into_deserializer())
                .map_err(|e: DeError| e.at(&self.node.span)),
            NodeKind::Bool(b) => visitor
                .visit_enum(if *b { "yes" } else { "no" }.into_deserializer())
                .map_err(|e: DeError| e.at(&self.node.span)),
            _ => Err(self.wrong("one of the named values")),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }
}

struct Seq<'a, I> {
    de: NodeDe<'a>,
    items: I,
}

impl<'de, 'a, I: Iterator<Item = &'a Node>> SeqAccess<'de> for Seq<'a, I> {
    type Error = DeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.items.next() {
            Some(node) => {
                seed.deserialize(self.de.child(node)).map(Some).map_err(|e| e.at(&node.span))
            }
            None => Ok(None),
        }
    }
}

struct Map<'a, I> {
    de: NodeDe<'a>,
    entries: I,
    value: Option<&'a Node>,
}

impl<'de, 'a, I: Iterator<Item = &'a (Node, Node)>> MapAccess<'de> for Map<'a, I> {
    type Error = DeError;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.entries.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(self.de.child(key)).map(Some).map_err(|e| e.at(&key.span))
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let node = self.value.take().expect("value after key");
        seed.deserialize(self.de.child(node)).map_err(|e| e.at(&node.span))
    }
}
