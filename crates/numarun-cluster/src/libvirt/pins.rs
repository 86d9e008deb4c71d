//! What a running domain's vCPUs, emulator threads and memory are bound to, as libvirt reports
//! it (`virsh vcpupin`, `emulatorpin`, `numatune`). The `virt` crate does not wrap the pin
//! queries, so they are called through its raw bindings here, and only here.

use virt::connect::Connect;
use virt::domain::Domain;
use virt::error::Error;
use virt::sys;

use crate::numa::CpuSet;

/// Where a running domain's vCPUs, emulator threads and memory are pinned, read live.
#[derive(Debug, Clone, PartialEq)]
pub struct LivePlacement {
    /// Per vCPU, the host CPUs it may run on.
    pub vcpus: Vec<CpuSet>,
    /// The host CPUs its emulator threads may run on.
    pub emulator: CpuSet,
    /// `strict`, `preferred`, `interleave`, `restrictive`.
    pub numa_mode: Option<String>,
    /// The NUMA nodes its memory is bound to.
    pub numa_nodeset: CpuSet,
}

/// Reads the running domain's placement. Blocking: call it through `Hypervisor::call`.
pub fn read(conn: &Connect, domain: &Domain) -> Result<LivePlacement, Error> {
    let host_cpus = conn.node_info()?.cpus as usize;
    let map_len = host_cpus.div_ceil(8);
    let vcpu_count = domain.vcpus_flags(sys::VIR_DOMAIN_AFFECT_LIVE)? as usize;
    let mut maps = vec![0u8; map_len * vcpu_count];
    // SAFETY: `maps` holds vcpu_count maps of map_len bytes, as the call is told; the domain
    // pointer lives as long as `domain`.
    let found = unsafe {
        sys::virDomainGetVcpuPinInfo(
            domain.as_ptr(),
            vcpu_count as i32,
            maps.as_mut_ptr(),
            map_len as i32,
            sys::VIR_DOMAIN_AFFECT_LIVE,
        )
    };
    if found < 0 {
        return Err(Error::last_error());
    }
    let vcpus =
        maps.chunks(map_len).take(found as usize).map(|map| cpus_in(map, host_cpus)).collect();
    let mut map = vec![0u8; map_len];
    // SAFETY: one map of map_len bytes.
    let emulator = unsafe {
        sys::virDomainGetEmulatorPinInfo(
            domain.as_ptr(),
            map.as_mut_ptr(),
            map_len as i32,
            sys::VIR_DOMAIN_AFFECT_LIVE,
        )
    };
    if emulator < 0 {
        return Err(Error::last_error());
    }
    let numa = domain.numa_parameters(sys::VIR_DOMAIN_AFFECT_LIVE)?;
    let numa_mode = numa.mode.map(|mode| {
        match mode as u32 {
            sys::VIR_DOMAIN_NUMATUNE_MEM_STRICT => "strict",
            sys::VIR_DOMAIN_NUMATUNE_MEM_PREFERRED => "preferred",
            sys::VIR_DOMAIN_NUMATUNE_MEM_INTERLEAVE => "interleave",
            _ => "restrictive",
        }
        .to_string()
    });
    let numa_nodeset = CpuSet::parse(numa.node_set.as_deref().unwrap_or("")).unwrap_or_default();
    Ok(LivePlacement { vcpus, emulator: cpus_in(&map, host_cpus), numa_mode, numa_nodeset })
}

fn cpus_in(map: &[u8], host_cpus: usize) -> CpuSet {
    (0..host_cpus)
        .filter(|cpu| map[cpu / 8] & (1 << (cpu % 8)) != 0)
        .map(|cpu| cpu as u32)
        .collect()
}
