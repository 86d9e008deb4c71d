//! NUMA placement: the host's topology, the VM plan, the validator that holds one against the
//! other, and the map that draws them.

pub mod cpuset;
pub mod map;
mod placement;
pub mod plan;
pub mod topology;
pub mod validate;

pub use cpuset::CpuSet;
pub use plan::{VmPlan, VmSpec};
pub use topology::Topology;
pub use validate::{DEFAULT_HOST_RESERVE_MB, Finding, Level, Rule, accept, validate, whole_cores};
