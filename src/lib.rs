//! numarun: an agentless, idempotent orchestration runner.
//!
//! parse (`yaml`, `model`) → schedule (`schedule`) → execute (`engine`, `modules` through a
//! `connection`) → events (`events`) → reporters (`report`). `ARCHITECTURE.md` is the map.
#![deny(missing_docs)]

pub mod cli;
/// The hypervisor's domain: NUMA topology, the VM plan, libvirt (the `numarun-cluster` crate).
pub use numarun_cluster::{libvirt, numa};
/// Where steps act (the `numarun-connection` crate).
pub use numarun_connection as connection;
/// What every layer stands on (the `numarun-core` crate).
pub use numarun_core::{diag, events, exit, file_error, redact, text_file, vars, yaml};
/// Jinja as Ansible has it (the `numarun-template` crate).
pub use numarun_template as template;
pub(crate) mod engine;
pub mod model;
pub mod modules;
pub mod reference;
pub(crate) mod report;
pub(crate) mod schedule;
/// Ansible Vault (the `numarun-vault` crate).
pub use numarun_vault as vault;
