//! Where a step reads the host's NUMA topology: the target's sysfs (the default), libvirt's
//! capabilities on the controller, or a saved capabilities file (another host's, for planning).

use serde::Deserialize;

use super::hypervisor;
use crate::file_error::FileError;
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::probe::{Probe, scripts};
use crate::numa::Topology;

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TopologySource {
    /// sysfs root on the target; `/sys` unless given.
    sysfs: Option<String>,
    /// Read `virConnectGetCapabilities` of this hypervisor instead.
    libvirt_uri: Option<String>,
    /// A `virsh capabilities` document on the controller.
    capabilities_file: Option<String>,
}

impl TopologySource {
    pub async fn read(&self, host: &HostReader<'_>) -> Result<Topology, ModuleError> {
        let failed = |e: crate::numa::topology::TopologyError| ModuleError::failed(e);
        if let Some(file) = &self.capabilities_file {
            let path = host.find_source(file, "files")?;
            let xml = std::fs::read_to_string(&path).map_err(|e| FileError::read(&path, e))?;
            return Topology::from_capabilities(&xml).map_err(failed);
        }
        if let Some(uri) = &self.libvirt_uri {
            let hypervisor = hypervisor::connect(host, uri).await?;
            let xml = hypervisor
                .read(|libvirt| libvirt.capabilities())
                .await
                .map_err(ModuleError::failed)?;
            return Topology::from_capabilities(&xml).map_err(failed);
        }
        let root = self.sysfs.as_deref().unwrap_or("/sys");
        let output = host.probe(Probe::script(&scripts::SYSFS_TOPOLOGY, [root])).await?;
        if output.rc != 0 {
            return Err(ModuleError::failed(format!(
                "cannot read the topology under {root}: {}",
                output.stderr_text()
            )));
        }
        Topology::from_sysfs_dump(&String::from_utf8_lossy(&output.stdout)).map_err(failed)
    }
}
