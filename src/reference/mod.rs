//! What numarun accepts, described for people and editors: `numarun doc` (each module's
//! arguments, check mode, diff and results) and `numarun schema` (a JSON Schema for playbooks,
//! task files and inventories). Both come from what the loader itself uses: the modules'
//! argument types and the model's lists of keys, so neither can say what the loader does not do.

pub mod arguments;
pub mod module_page;
pub mod schema;
