//! The hypervisor as a check sees it: its domains, their live placement and addresses, its
//! capabilities; nothing that defines, starts, attaches or destroys. A check gets this view and
//! never the connection behind it, so a dry run cannot change the hypervisor.

use virt::connect::Connect;
use virt::domain::Domain;
use virt::error::Error;

use super::pins::LivePlacement;
use super::{DomainView, Hypervisor, LibvirtError, find_domain, leases, pins, view};

/// A hypervisor, read only.
#[derive(Clone, Debug)]
pub struct HypervisorView {
    hypervisor: Hypervisor,
}

/// What a reading may ask of the hypervisor, inside one blocking call.
pub struct Readings<'a> {
    conn: &'a Connect,
}

/// A domain that runs, as a reading sees it.
pub struct RunningDomain<'a> {
    conn: &'a Connect,
    domain: Domain,
}

impl HypervisorView {
    /// The read-only view of this connection.
    pub fn of(hypervisor: Hypervisor) -> HypervisorView {
        HypervisorView { hypervisor }
    }

    /// Runs readings off the async workers.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Readings<'_>) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, LibvirtError> {
        self.hypervisor.call(move |conn| f(&Readings { conn })).await
    }
}

impl Readings<'_> {
    /// The domain called `name` (its persistent definition, whether it runs), if there is one.
    pub fn domain(&self, name: &str) -> Result<Option<DomainView>, Error> {
        view(self.conn, name)
    }

    /// The domain called `name` when it runs.
    pub fn running(&self, name: &str) -> Result<Option<RunningDomain<'_>>, Error> {
        match find_domain(self.conn, name)? {
            Some(domain) if domain.is_active()? => {
                Ok(Some(RunningDomain { conn: self.conn, domain }))
            }
            _ => Ok(None),
        }
    }

    /// The hypervisor's capabilities XML (its NUMA cells among them).
    pub fn capabilities(&self) -> Result<String, Error> {
        self.conn.capabilities()
    }
}

impl RunningDomain<'_> {
    /// Its vCPU and emulator pins and memory binding, as they are now.
    pub fn live_placement(&self) -> Result<LivePlacement, Error> {
        pins::read(self.conn, &self.domain)
    }

    /// Its address as the guest agent reports it.
    pub fn address_from_agent(&self) -> Result<Option<String>, Error> {
        leases::from_agent(&self.domain)
    }

    /// Its address from the host's ARP table.
    pub fn address_from_arp(&self) -> Result<Option<String>, Error> {
        leases::from_arp(&self.domain)
    }

    /// Its address from the DHCP leases of libvirt's `network`.
    pub fn address_from_leases(&self, network: &str) -> Result<Option<String>, Error> {
        leases::from_leases(self.conn, &self.domain, network)
    }
}
