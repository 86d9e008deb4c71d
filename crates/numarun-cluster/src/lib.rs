//! The hypervisor's domain: a host's NUMA topology, the VM plan and its placement rules, the
//! map of where each VM's CPUs and memory sit (`numa`, pure: no I/O), and libvirt itself
//! (`libvirt`: its FFI confined here, on blocking threads; a domain's XML; live pins; leases).
#![deny(missing_docs)]

pub mod libvirt;
pub mod numa;

/// The diagnostics and YAML a plan is read with.
use numarun_core::{diag, yaml};
