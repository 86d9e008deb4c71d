//! How a filter, test or lookup says it cannot do what it was asked.

use minijinja::{Error, ErrorKind};

/// An error of a filter's input; the template's location is added where it is reported.
pub fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, message.into())
}
