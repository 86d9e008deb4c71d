//! The VM plan: which VMs, their size, and where their vCPUs, emulator threads and memory go.
//! Its shape is the guide's original tool's (homonculus) JSON, read as is, from a file or from
//! variables.

use std::path::Path;

use serde::{Deserialize, Deserializer};

use super::cpuset::CpuSet;
use crate::diag::Diag;
use crate::yaml::{self, Node};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VmPlan {
    pub virtual_machines: Vec<VmSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VmSpec {
    pub name: String,
    pub vcpu_count: u32,
    pub memory_mb: u64,
    pub disk_path: Option<String>,
    pub disk_size_gb: Option<u64>,
    pub base_image_path: Option<String>,
    pub bridge_network_interface: Option<String>,
    pub cloud_init_iso_path: Option<String>,
    pub role: Option<String>,
    pub tuning: Tuning,
    #[serde(default)]
    pub user_configs: Vec<UserConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tuning {
    /// Host CPU of each vCPU, in vCPU order; homonculus writes them as strings.
    #[serde(deserialize_with = "cpu_ids")]
    pub vcpu_pins: Vec<u32>,
    #[serde(deserialize_with = "cpu_set")]
    pub emulator_cpuset: CpuSet,
    pub numa_memory: NumaMemory,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumaMemory {
    #[serde(deserialize_with = "cpu_set")]
    pub nodeset: CpuSet,
    /// `strict`, `preferred`, `interleave` or `restrictive`; missing is a finding, not a default.
    pub mode: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    pub username: String,
    #[serde(default)]
    pub ssh_authorized_keys: Vec<String>,
}

impl VmPlan {
    /// A plan file: the homonculus JSON, or the same shape in YAML.
    pub fn load(path: &Path) -> Result<VmPlan, Diag> {
        VmPlan::from_node(&yaml::load_file(path)?)
    }

    pub fn from_node(node: &Node) -> Result<VmPlan, Diag> {
        yaml::decode(node)
    }

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
            NumberOrText::Text(t) => t.trim().parse().map_err(|_| serde::de::Error::custom(format!("`{t}` is not a CPU number"))),
        })
        .collect()
}

fn cpu_set<'de, D: Deserializer<'de>>(de: D) -> Result<CpuSet, D::Error> {
    match NumberOrText::deserialize(de)? {
        NumberOrText::Number(n) => Ok(CpuSet::from_iter([n])),
        NumberOrText::Text(t) => CpuSet::parse(&t).map_err(serde::de::Error::custom),
    }
}
