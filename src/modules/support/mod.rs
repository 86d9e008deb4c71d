//! What several modules share: a file's content and attributes, line editing, controller files.

pub(crate) mod accounts;
pub(crate) mod attrs;
pub(crate) mod content;
pub(crate) mod controller_file;
pub(crate) mod curl;
pub(crate) mod digest;
pub(crate) mod lines;
pub(crate) mod safe_write;
pub(crate) mod stat_fields;
pub(crate) mod symbolic_mode;
