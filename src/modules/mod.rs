//! Modules: what a step does. `contract` is what every module implements; a check reads the
//! host through a `HostReader` (reads and probes only) and returns a plan, which `apply`
//! carries out through a `HostWriter`; `erased` lets the engine hold any module; `registry`
//! finds a module by name. The modules themselves sit in two folders: `ansible/` holds those that
//! take Ansible's arguments and return its results, `cluster/` numarun's own for the NUMA cluster
//! (libvirt, images, seeds, facts, reports); `support/` holds what several modules share (file
//! content, attributes, line editing).

pub mod action;
pub mod ansible;
pub mod change_scripts;
pub mod cluster;
pub mod contract;
pub mod doc;
pub mod erased;
pub mod error;
pub mod host_reader;
pub mod host_writer;
#[cfg(test)]
pub mod on_fake_host;
pub mod probe;
pub mod registry;
pub mod support;

pub use action::EngineAction;
pub use contract::{Change, Check, Module, OneOrMany, Outcome};
pub use erased::{AnyModule, AnyPlan};
pub use error::ModuleError;
pub use host_reader::{HostReader, StepAccess};
pub use host_writer::HostWriter;
pub use registry::{ModuleSpec, StepKind, lookup, names};
