//! numarun's own modules for the NUMA cluster: host facts, the VM plan, libvirt domains and
//! disks, images and seeds, placement and performance reports.

pub(crate) mod base_image;
pub(crate) mod cloud_init_iso;
pub(crate) mod host_facts;
pub(crate) mod hypervisor;
pub(crate) mod libvirt_address;
pub(crate) mod libvirt_disk;
pub(crate) mod libvirt_domain;
pub(crate) mod libvirt_verify;
pub(crate) mod numa_locality;
pub(crate) mod perf_page;
pub(crate) mod perf_report;
pub(crate) mod qemu_img;
pub(crate) mod sysfs;
pub(crate) mod topology_source;
pub(crate) mod vm_plan;
