//! IPv4 addresses with a prefix (`192.168.1.51/24`): a VM's static address, and the networks a
//! host bridge is on.

use std::net::Ipv4Addr;

/// An address and its network's prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Net {
    pub address: Ipv4Addr,
    pub prefix: u8,
}

/// Text that is not `a.b.c.d/n`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an IPv4 address with its prefix length (192.168.1.51/24)")]
pub struct NotAnAddress(pub String);

impl Ipv4Net {
    /// `a.b.c.d/n`; a bare address has no network and is refused.
    pub fn parse(text: &str) -> Result<Ipv4Net, NotAnAddress> {
        let bad = || NotAnAddress(text.to_string());
        let (address, prefix) = text.trim().split_once('/').ok_or_else(bad)?;
        let address: Ipv4Addr = address.parse().map_err(|_| bad())?;
        let prefix: u8 = prefix.parse().ok().filter(|p| *p <= 32).ok_or_else(bad)?;
        Ok(Ipv4Net { address, prefix })
    }

    fn mask(&self) -> u32 {
        if self.prefix == 0 { 0 } else { u32::MAX << (32 - self.prefix) }
    }

    /// Whether `other`'s address is on this network.
    pub fn contains(&self, other: Ipv4Addr) -> bool {
        u32::from(self.address) & self.mask() == u32::from(other) & self.mask()
    }

    /// The network itself, `192.168.1.0/24`.
    pub fn network(&self) -> String {
        format!("{}/{}", Ipv4Addr::from(u32::from(self.address) & self.mask()), self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::Ipv4Net;

    #[test]
    fn an_address_is_on_its_network_and_no_other() {
        let lan = Ipv4Net::parse("192.168.1.10/24").unwrap();
        assert!(lan.contains("192.168.1.51".parse().unwrap()));
        assert!(!lan.contains("192.168.2.51".parse().unwrap()));
        assert_eq!(lan.network(), "192.168.1.0/24");
        assert!(Ipv4Net::parse("0.0.0.0/0").unwrap().contains("10.0.0.1".parse().unwrap()));
        for bad in ["192.168.1.51", "192.168.1.300/24", "192.168.1.5/33", "lan/24"] {
            assert!(Ipv4Net::parse(bad).is_err(), "{bad}");
        }
    }
}
