//! Jinja as Ansible users know it: minijinja with strict undefined variables,
//! Ansible's everyday filters, and `when:` expressions on the same engine.

mod convert;
mod filters;
mod scope;
mod templater;
mod to_yaml;

pub use convert::{node_to_value, value_to_node};
pub use scope::Scope;
pub use templater::{OMIT, Templater, sole_expression};
pub use to_yaml::to_yaml;
