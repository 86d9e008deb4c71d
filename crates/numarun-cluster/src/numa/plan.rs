//! The VM plan: which VMs, their size, and where their vCPUs, emulator threads and memory go.
//! Its shape is the guide's original tool's (homonculus) JSON, read as is, from a file or from
//! variables.

use std::path::Path;

use serde::{Deserialize, Deserializer};

use super::cpuset::CpuSet;
use crate::diag::Diag;
use crate::yaml::{self, Node};

/// The VM plan: the guide's homonculus JSON (or the same in YAML).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VmPlan {
    /// Every VM of the plan.
    pub virtual_machines: Vec<VmSpec>,
}

/// One VM of the plan.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VmSpec {
    /// Its domain name.
    pub name: String,
    /// How many vCPUs it has.
    pub vcpu_count: u32,
    /// Its memory in MiB.
    pub memory_mb: u64,
    /// Its disk image.
    pub disk_path: Option<String>,
    /// Its disk's size.
    pub disk_size_gb: Option<u64>,
    /// The base image its disk is an overlay of.
    pub base_image_path: Option<String>,
    /// The host bridge its network interface joins.
    pub bridge_network_interface: Option<String>,
    /// Its cloud-init seed.
    pub cloud_init_iso_path: Option<String>,
    /// What it is for (`data`, `slm`), which phases select on.
    pub role: Option<String>,
    /// Its pins and memory binding.
    pub tuning: Tuning,
    /// The users its seed creates.
    #[serde(default)]
    pub user_configs: Vec<UserConfig>,
    /// A static address on its bridge, for a LAN whose DHCP server libvirt never sees (numarun's
    /// addition to the homonculus format; without it the VM asks DHCP).
    #[serde(default)]
    pub network: Option<StaticNetwork>,
    /// A kernel to boot directly, for an image without a bootloader (numarun's addition; the
    /// lab's offline-built image has none).
    #[serde(default)]
    pub boot: Option<DirectBoot>,
}

/// A VM booted from a kernel and initrd on the host rather than from its disk's bootloader.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectBoot {
    /// The kernel image, a path on the hypervisor.
    pub kernel: String,
    /// Its initrd.
    pub initrd: String,
    /// Its command line; the domain template's default names `/dev/vda` as the root.
    pub cmdline: Option<String>,
}

/// A VM's static address, written into its seed's network-config.
#[derive(Debug, Clone, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StaticNetwork {
    /// The address with its prefix length: `192.168.1.51/24`.
    pub address: String,
    /// The default route.
    pub gateway: Option<String>,
    /// DNS servers.
    #[serde(default)]
    pub nameservers: Vec<String>,
    /// The NIC the address belongs to. `vm_plan` fills it in when the plan does not (see
    /// [`stable_mac`]): the domain sets it and the seed matches it, which every cloud-init
    /// renderer understands (Debian's ifupdown one ignores a match by interface name).
    pub mac: Option<String>,
}

/// A MAC address for a VM, derived from its name (FNV-1a, stable across builds, unlike std's
/// hasher), in QEMU's locally administered range `52:54:00`.
pub fn stable_mac(name: &str) -> String {
    let hash = name
        .bytes()
        .fold(0x811c_9dc5_u32, |hash, byte| (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193));
    let [_, a, b, c] = hash.to_be_bytes();
    format!("52:54:00:{a:02x}:{b:02x}:{c:02x}")
}

/// Where a VM's vCPUs, emulator threads and memory run.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tuning {
    /// Host CPU of each vCPU, in vCPU order; homonculus writes them as strings.
    #[serde(deserialize_with = "cpu_ids")]
    pub vcpu_pins: Vec<u32>,
    /// CPUs the emulator threads run on.
    #[serde(deserialize_with = "cpu_set")]
    pub emulator_cpuset: CpuSet,
    /// Its memory binding.
    pub numa_memory: NumaMemory,
}

/// A VM's memory binding.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumaMemory {
    /// The NUMA nodes its memory comes from.
    #[serde(deserialize_with = "cpu_set")]
    pub nodeset: CpuSet,
    /// `strict`, `preferred`, `interleave` or `restrictive`; missing is a finding, not a default.
    pub mode: Option<String>,
}

/// A user a VM's seed creates.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    /// The login name.
    pub username: String,
    /// Keys that may log in as it.
    #[serde(default)]
    pub ssh_authorized_keys: Vec<String>,
}

impl VmPlan {
    /// A plan file: the homonculus JSON, or the same shape in YAML.
    pub fn load(path: &Path) -> Result<VmPlan, Diag> {
        VmPlan::from_node(&yaml::load_file(path)?)
    }

    /// A plan from its parsed file.
    pub fn from_node(node: &Node) -> Result<VmPlan, Diag> {
        yaml::decode(node)
    }

    /// The VM of this name.
    pub fn vm(&self, name: &str) -> Option<&VmSpec> {
        self.virtual_machines.iter().find(|vm| vm.name == name)
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrText {
    Number(u32),
    Text(String),
}

fn cpu_ids<'de, D: Deserializer<'de>>(de: D) -> Result<Vec<u32>, D::Error> {
    Vec::<NumberOrText>::deserialize(de)?
        .into_iter()
        .map(|id| match id {
            NumberOrText::Number(n) => Ok(n),
            NumberOrText::Text(t) => t
                .trim()
                .parse()
                .map_err(|_| serde::de::Error::custom(format!("`{t}` is not a CPU number"))),
        })
        .collect()
}

fn cpu_set<'de, D: Deserializer<'de>>(de: D) -> Result<CpuSet, D::Error> {
    match NumberOrText::deserialize(de)? {
        NumberOrText::Number(n) => Ok(CpuSet::from_iter([n])),
        NumberOrText::Text(t) => CpuSet::parse(&t).map_err(serde::de::Error::custom),
    }
}
