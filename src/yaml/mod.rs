//! YAML as numarun reads it: a tree of [`Node`]s that remember where they were
//! written, resolved the way Ansible (YAML 1.1) resolves scalars.

mod de;
mod fields;
mod load;
mod node;

pub use fields::Fields;
pub use de::{decode, decode_lenient, NodeDe};
pub use load::{load_file, load_str, MAX_FILE_BYTES};
pub use node::{is_template, Node, NodeKind};
