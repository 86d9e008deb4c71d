//! Jinja as Ansible users know it: minijinja with strict undefined variables,
//! Ansible's everyday filters, and `when:` expressions on the same engine.
#![deny(missing_docs)]

/// `quote` and the lookups that run or read on the controller.
use numarun_connection as connection;
/// What the templates read, report and decrypt with.
use numarun_core::{diag, redact, text_file, vars, yaml};

mod ansible_tests;
mod backslashes;
mod controller_files;
mod convert;
mod digest_filters;
mod filter_error;
mod filters;
mod list_filters;
mod lookups;
mod password;
mod password_hash;
mod path_filters;
mod python_json;
mod python_regex;
mod python_scalar;
mod python_yaml;
mod python_yaml_writer;
mod scope;
mod syntax;
mod templater;
mod version;

pub use controller_files::fileglob;
pub use convert::{node_to_value, value_to_node};
pub use python_regex::{fnmatch_regex, python_replacement};
pub use python_yaml::{Layout as YamlLayout, dump as to_yaml};
pub use scope::Scope;
pub use syntax::Whitespace;
pub use templater::{OMIT, Templater, sole_expression};
