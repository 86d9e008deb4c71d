//! `libvirt_disk`: a disk image attached to a domain persistently (and live when it runs), by
//! target device name. A target that already holds another disk is refused, never replaced:
//! the guide attaches its hot tier as `vdb` whatever `vdb` already is.

use async_trait::async_trait;
use serde::Deserialize;

use super::libvirt_domain::default_uri;
use super::qemu_img::qcow2;
use super::{Change, Check, Cx, Module, ModuleError, Outcome};
use crate::libvirt::{Hypervisor, domain_xml, view};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LibvirtDisk {
    domain: String,
    /// The guest device name: `vdb`.
    target: String,
    /// The image file on the hypervisor.
    source: String,
    #[serde(default = "qcow2")]
    format: String,
    #[serde(default = "virtio")]
    bus: String,
    #[serde(default = "default_uri")]
    uri: String,
}

fn virtio() -> String {
    "virtio".into()
}

impl LibvirtDisk {
    /// Whether the disk must be attached, and whether the domain runs.
    async fn needs_attach(&self, hypervisor: &Hypervisor) -> Result<Option<bool>, ModuleError> {
        let name = self.domain.clone();
        let current = hypervisor.call(move |conn| view(conn, &name)).await.map_err(ModuleError::failed)?;
        let current = current.ok_or_else(|| ModuleError::failed(format!("no domain {} on {}", self.domain, hypervisor.uri())))?;
        match domain_xml::disk_at(&current.xml, &self.target).map_err(ModuleError::failed)? {
            Some(source) if source == self.source => Ok(None),
            Some(other) => Err(ModuleError::failed(format!(
                "{} of {} already holds {other}: refusing to attach {} over it (choose a free target)",
                self.target, self.domain, self.source
            ))),
            None => Ok(Some(current.active)),
        }
    }

    fn device_xml(&self) -> String {
        format!(
            "<disk type='file' device='disk'><driver name='qemu' type='{}'/><source file='{}'/><target dev='{}' bus='{}'/></disk>",
            xml_escape(&self.format),
            xml_escape(&self.source),
            xml_escape(&self.target),
            xml_escape(&self.bus)
        )
    }
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('\'', "&apos;")
}

#[async_trait]
impl Module for LibvirtDisk {
    async fn check(&self, _cx: &Cx<'_>) -> Result<Check, ModuleError> {
        let hypervisor = Hypervisor::connect(&self.uri).await.map_err(ModuleError::failed)?;
        Ok(match self.needs_attach(&hypervisor).await? {
            None => Check::Ok(Outcome::msg(format!("{} holds {}", self.target, self.source))),
            Some(_) => {
                Check::Change(Change { summary: format!("attach {} to {} as {}", self.source, self.domain, self.target), diff: None })
            }
        })
    }

    async fn apply(&self, _cx: &Cx<'_>) -> Result<Outcome, ModuleError> {
        let hypervisor = Hypervisor::connect(&self.uri).await.map_err(ModuleError::failed)?;
        let Some(active) = self.needs_attach(&hypervisor).await? else { return Ok(Outcome::default()) };
        let (name, xml) = (self.domain.clone(), self.device_xml());
        let flags = virt::sys::VIR_DOMAIN_AFFECT_CONFIG | if active { virt::sys::VIR_DOMAIN_AFFECT_LIVE } else { 0 };
        hypervisor
            .call(move |conn| conn.lookup_domain_by_name(&name)?.attach_device_flags(&xml, flags))
            .await
            .map_err(ModuleError::failed)?;
        Ok(Outcome::default())
    }
}
