//! A host's NUMA topology: nodes with their CPUs and memory, and each CPU's socket, core and
//! hyperthread siblings. Read from libvirt's capabilities or from sysfs, never from lscpu.

use std::collections::BTreeMap;

use minijinja::Value;

use super::cpuset::{CpuSet, CpuSetError};

/// A host's NUMA topology: nodes, CPUs and what shares a core.
#[derive(Debug, Clone, PartialEq)]
pub struct Topology {
    /// By id.
    pub nodes: Vec<NumaNode>,
    /// Every CPU by id.
    pub cpus: BTreeMap<u32, Cpu>,
}

/// A NUMA node.
#[derive(Debug, Clone, PartialEq)]
pub struct NumaNode {
    /// Its number.
    pub id: u32,
    /// Its CPUs.
    pub cpus: CpuSet,
    /// Its memory in MiB.
    pub memory_mb: u64,
}

/// A logical CPU (a hardware thread).
#[derive(Debug, Clone, PartialEq)]
pub struct Cpu {
    /// Its number.
    pub id: u32,
    /// The NUMA node it belongs to.
    pub node: u32,
    /// The socket it is on.
    pub socket: u32,
    /// The core it is a thread of.
    pub core: u32,
    /// Every thread of this CPU's core, itself included.
    pub siblings: CpuSet,
}

/// A topology that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum TopologyError {
    /// `virsh capabilities` output that does not parse.
    #[error("libvirt's capabilities are not XML: {0}")]
    Xml(#[from] roxmltree::Error),
    /// No NUMA cell is described.
    #[error(
        "libvirt's capabilities list no NUMA cells (the test:/// driver with a custom file says nothing of its topology)"
    )]
    NoCells,
    /// A CPU list that does not parse.
    #[error("{0}")]
    CpuSet(#[from] CpuSetError),
    /// Anything else that does not fit, in words.
    #[error("cannot read the topology: {0}")]
    Malformed(String),
}

impl Topology {
    /// From `virsh capabilities` / `virConnectGetCapabilities`: `host/topology/cells`.
    pub fn from_capabilities(xml: &str) -> Result<Topology, TopologyError> {
        let doc = roxmltree::Document::parse(xml)?;
        let mut nodes = Vec::new();
        let mut cpus = BTreeMap::new();
        let cells = doc.descendants().filter(|n| {
            n.has_tag_name("cell") && n.parent().is_some_and(|p| p.has_tag_name("cells"))
        });
        for cell in cells {
            let id = number(cell.attribute("id"), "cell id")?;
            let memory_kib = cell
                .children()
                .find(|n| n.has_tag_name("memory"))
                .and_then(|m| m.text())
                .unwrap_or("0");
            let memory_kib: u64 = memory_kib
                .trim()
                .parse()
                .map_err(|_| TopologyError::Malformed(format!("cell {id}: memory")))?;
            let mut node_cpus = CpuSet::default();
            for cpu in cell.descendants().filter(|n| n.has_tag_name("cpu")) {
                let cpu_id = number(cpu.attribute("id"), "cpu id")?;
                node_cpus.insert(cpu_id);
                let siblings =
                    CpuSet::parse(cpu.attribute("siblings").unwrap_or(&cpu_id.to_string()))?;
                let socket = number(cpu.attribute("socket_id"), "socket_id")?;
                let core = number(cpu.attribute("core_id"), "core_id")?;
                cpus.insert(cpu_id, Cpu { id: cpu_id, node: id, socket, core, siblings });
            }
            nodes.push(NumaNode { id, cpus: node_cpus, memory_mb: memory_kib / 1024 });
        }
        if nodes.is_empty() {
            return Err(TopologyError::NoCells);
        }
        nodes.sort_by_key(|n| n.id);
        Ok(Topology { nodes, cpus })
    }

    /// From the lines the sysfs topology probe prints on the host (`probe/scripts/sysfs_topology.sh`).
    pub fn from_sysfs_dump(text: &str) -> Result<Topology, TopologyError> {
        let mut nodes = Vec::new();
        let mut cpus = BTreeMap::new();
        let malformed =
            |line: &str| TopologyError::Malformed(format!("unexpected line `{line}` from sysfs"));
        for line in text.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["node", id, cpulist, memory_kib] => nodes.push(NumaNode {
                    id: id.parse().map_err(|_| malformed(line))?,
                    cpus: CpuSet::parse(cpulist)?,
                    memory_mb: memory_kib.parse::<u64>().map_err(|_| malformed(line))? / 1024,
                }),
                ["cpu", id, socket, core, siblings] => {
                    let id: u32 = id.parse().map_err(|_| malformed(line))?;
                    let cpu = Cpu {
                        id,
                        node: 0,
                        socket: socket.parse().map_err(|_| malformed(line))?,
                        core: core.parse().map_err(|_| malformed(line))?,
                        siblings: CpuSet::parse(siblings)?,
                    };
                    cpus.insert(id, cpu);
                }
                _ => return Err(malformed(line)),
            }
        }
        if nodes.is_empty() {
            return Err(TopologyError::Malformed("sysfs lists no NUMA node".into()));
        }
        nodes.sort_by_key(|n| n.id);
        for node in &nodes {
            for cpu in node.cpus.iter() {
                if let Some(cpu) = cpus.get_mut(&cpu) {
                    cpu.node = node.id;
                }
            }
        }
        Ok(Topology { nodes, cpus })
    }

    /// The node of this number.
    pub fn node(&self, id: u32) -> Option<&NumaNode> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// Hardware threads per core (2 with SMT).
    pub fn threads_per_core(&self) -> usize {
        self.cpus.values().map(|c| c.siblings.len()).max().unwrap_or(1)
    }

    /// How many sockets.
    pub fn sockets(&self) -> usize {
        let mut sockets: Vec<u32> = self.cpus.values().map(|c| c.socket).collect();
        sockets.sort_unstable();
        sockets.dedup();
        sockets.len()
    }

    /// A node's cores, each as its threads in order: `[[0, 36], [1, 37], …]`.
    pub fn cores(&self, node: u32) -> Vec<Vec<u32>> {
        let mut cores: Vec<Vec<u32>> = Vec::new();
        for cpu in self.cpus.values().filter(|c| c.node == node) {
            let threads: Vec<u32> = cpu.siblings.iter().collect();
            if !cores.contains(&threads) {
                cores.push(threads);
            }
        }
        cores
    }

    /// The facts playbooks read: `numa.nodes[1].cpus`, `numa.threads_per_core`, …
    pub fn to_value(&self) -> Value {
        let nodes: Vec<serde_json::Value> = self
            .nodes
            .iter()
            .map(|n| {
                serde_json::json!({
                    "id": n.id,
                    "cpus": n.cpus.iter().collect::<Vec<_>>(),
                    "cpuset": n.cpus.to_string(),
                    "memory_mb": n.memory_mb,
                })
            })
            .collect();
        let siblings: BTreeMap<String, Vec<u32>> =
            self.cpus.values().map(|c| (c.id.to_string(), c.siblings.iter().collect())).collect();
        Value::from(minijinja::value::Serde(serde_json::json!({
            "nodes": nodes,
            "node_count": self.nodes.len(),
            "cpu_count": self.cpus.len(),
            "sockets": self.sockets(),
            "threads_per_core": self.threads_per_core(),
            "siblings": siblings,
        })))
    }
}

fn number(text: Option<&str>, what: &str) -> Result<u32, TopologyError> {
    text.and_then(|t| t.parse().ok())
        .ok_or_else(|| TopologyError::Malformed(format!("missing or bad {what}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_and_sysfs_give_the_same_topology() {
        let caps = "<capabilities><host><topology><cells num='1'><cell id='0'><memory unit='KiB'>2097152</memory>\
            <cpus num='4'><cpu id='0' socket_id='0' core_id='0' siblings='0,2'/><cpu id='1' socket_id='0' core_id='1' siblings='1,3'/>\
            <cpu id='2' socket_id='0' core_id='0' siblings='0,2'/><cpu id='3' socket_id='0' core_id='1' siblings='1,3'/>\
            </cpus></cell></cells></topology></host></capabilities>";
        let dump =
            "node 0 0-3 2097152\ncpu 0 0 0 0,2\ncpu 1 0 1 1,3\ncpu 2 0 0 0,2\ncpu 3 0 1 1,3\n";
        let from_caps = Topology::from_capabilities(caps).unwrap();
        assert_eq!(from_caps, Topology::from_sysfs_dump(dump).unwrap());
        assert_eq!(from_caps.threads_per_core(), 2);
        assert_eq!(from_caps.cores(0), [vec![0, 2], vec![1, 3]]);
        assert_eq!(from_caps.nodes[0].memory_mb, 2048);
    }

    #[test]
    fn a_capabilities_document_without_cells_is_refused() {
        let err = Topology::from_capabilities(
            "<capabilities><host><topology><cells num='0'/></topology></host></capabilities>",
        );
        assert!(matches!(err, Err(TopologyError::NoCells)));
    }
}
