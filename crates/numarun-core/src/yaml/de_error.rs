//! A decoding error as serde makes it, carrying the span of the value at fault so it becomes a
//! located `Diag`.

use std::fmt;

use serde::de;

use crate::diag::{Diag, DiagKind, Span, did_you_mean};

/// A decoding error, located once the decoder knows where.
#[derive(Debug)]
pub struct DeError {
    pub(super) kind: DiagKind,
    pub(super) span: Option<Span>,
    pub(super) help: Option<String>,
}

impl DeError {
    pub(super) fn into_diag(self) -> Diag {
        Diag { kind: self.kind, span: self.span, help: self.help }
    }
    pub(super) fn at(mut self, span: &Span) -> DeError {
        self.span.get_or_insert_with(|| span.clone());
        self
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError { kind: DiagKind::Invalid(msg.to_string()), span: None, help: None }
    }
    fn invalid_type(unexp: de::Unexpected, exp: &dyn de::Expected) -> Self {
        let found = match unexp {
            de::Unexpected::Str(_) => "a string".to_string(),
            other => other.to_string(),
        };
        DeError {
            kind: DiagKind::WrongType { expected: exp.to_string(), found },
            span: None,
            help: None,
        }
    }
    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        let did_you_mean = did_you_mean(field, expected.iter().copied());
        let help = (did_you_mean.is_none() && !expected.is_empty())
            .then(|| format!("known arguments: {}", expected.join(", ")));
        DeError {
            kind: DiagKind::UnknownKey { what: "argument", key: field.into(), did_you_mean },
            span: None,
            help,
        }
    }
    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        let did_you_mean = did_you_mean(variant, expected.iter().copied());
        let help = Some(format!("one of: {}", expected.join(", ")));
        DeError {
            kind: DiagKind::UnknownKey { what: "value", key: variant.into(), did_you_mean },
            span: None,
            help,
        }
    }
    fn missing_field(field: &'static str) -> Self {
        DeError {
            kind: DiagKind::MissingKey { what: "argument", key: field.into() },
            span: None,
            help: None,
        }
    }
}
