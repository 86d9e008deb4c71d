//! What several modules share: a file's content and attributes, line editing, controller files.

pub(crate) mod attrs;
pub(crate) mod content;
pub(crate) mod controller_file;
pub(crate) mod lines;
pub(crate) mod symbolic_mode;
