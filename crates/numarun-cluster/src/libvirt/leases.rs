//! A domain's IPv4 address: from its network's DHCP leases (the newest for its MAC: a domain
//! defined again keeps its old lease listed), from the guest agent, or from the host's ARP table. The `virt` crate does
//! not wrap the lease query; it is called through the raw bindings here, and only here.

use std::ffi::{CStr, CString};

use virt::connect::Connect;
use virt::domain::Domain;
use virt::error::Error;
use virt::sys;

/// The MAC addresses of the domain's interfaces, from its live XML.
fn macs(domain: &Domain) -> Result<Vec<String>, Error> {
    let xml = domain.xml_desc(0)?;
    Ok(roxmltree::Document::parse(&xml)
        .map(|doc| {
            doc.descendants()
                .filter(|n| {
                    n.has_tag_name("mac") && n.parent().is_some_and(|p| p.has_tag_name("interface"))
                })
                .filter_map(|n| n.attribute("address").map(str::to_ascii_lowercase))
                .collect()
        })
        .unwrap_or_default())
}

/// The newest IPv4 lease of `network` held by one of the domain's interfaces.
pub fn from_leases(
    conn: &Connect,
    domain: &Domain,
    network: &str,
) -> Result<Option<String>, Error> {
    let network = conn.lookup_network_by_name(network)?;
    let mut newest: Option<(i64, String)> = None;
    for mac in macs(domain)? {
        let c_mac = CString::new(mac).unwrap_or_default();
        let mut leases: *mut sys::virNetworkDHCPLeasePtr = std::ptr::null_mut();
        // SAFETY: libvirt allocates `leases` (count entries) and we free each entry and the
        // array below; the network pointer lives as long as `network`.
        let count = unsafe {
            sys::virNetworkGetDHCPLeases(network.as_ptr(), c_mac.as_ptr(), &mut leases, 0)
        };
        if count < 0 {
            return Err(Error::last_error());
        }
        for i in 0..count as usize {
            // SAFETY: i < count entries, each valid until freed.
            unsafe {
                let lease = *leases.add(i);
                if (*lease).type_ == sys::VIR_IP_ADDR_TYPE_IPV4 as i32 && !(*lease).ipaddr.is_null()
                {
                    let address = CStr::from_ptr((*lease).ipaddr).to_string_lossy().into_owned();
                    if newest.as_ref().is_none_or(|(expiry, _)| (*lease).expirytime > *expiry) {
                        newest = Some(((*lease).expirytime, address));
                    }
                }
                sys::virNetworkDHCPLeaseFree(lease);
            }
        }
        if !leases.is_null() {
            // SAFETY: the array itself was allocated by libvirt with malloc.
            unsafe { libc::free(leases.cast()) };
        }
    }
    Ok(newest.map(|(_, address)| address))
}

/// The first IPv4 address outside loopback that the guest agent reports.
pub fn from_agent(domain: &Domain) -> Result<Option<String>, Error> {
    first_ipv4(domain, sys::VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT)
}

/// The IPv4 address the host's neighbour (ARP) table holds for one of the domain's MACs: a
/// bridged VM whose address came from a DHCP server libvirt never sees, once it has talked.
pub fn from_arp(domain: &Domain) -> Result<Option<String>, Error> {
    first_ipv4(domain, sys::VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP)
}

fn first_ipv4(domain: &Domain, source: u32) -> Result<Option<String>, Error> {
    let interfaces = domain.interface_addresses(source, 0)?;
    Ok(interfaces
        .iter()
        .filter(|i| i.name != "lo")
        .flat_map(|i| &i.addrs)
        .find(|a| a.typed == sys::VIR_IP_ADDR_TYPE_IPV4 as i64 && !a.addr.starts_with("127."))
        .map(|a| a.addr.clone()))
}
