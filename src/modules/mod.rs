//! Modules: what a step does. `contract` is what every module implements and what the engine
//! gives it; `registry` finds a module by name. The modules themselves sit in two folders:
//! `ansible/` holds those that take Ansible's arguments and return its results, `cluster/`
//! numarun's own for the NUMA cluster (libvirt, images, seeds, facts, reports); `support/` holds
//! what several modules share (file content, attributes, line editing).

pub mod ansible;
pub mod cluster;
pub mod contract;
pub mod registry;
pub mod support;

pub use contract::{Change, Check, Cx, Diff, Module, ModuleError, OneOrMany, Outcome};
pub use registry::{ModuleSpec, lookup, names};
