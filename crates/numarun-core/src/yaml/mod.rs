//! YAML as numarun reads it: a tree of [`Node`]s that remember where they were
//! written, resolved the way Ansible (YAML 1.1) resolves scalars.

mod de;
mod de_error;
mod fields;
mod load;
mod node;

pub use de::{NodeDe, decode, decode_lenient};
pub use fields::Fields;
pub use load::{load_file, load_str};
pub use node::{Node, NodeKind, is_template};
