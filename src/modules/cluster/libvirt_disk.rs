//! `libvirt_disk`: a disk image attached to a domain persistently (and live when it runs), by
//! target device name. A target that already holds another disk is refused, never replaced:
//! the guide attaches its hot tier as `vdb` whatever `vdb` already is.

use async_trait::async_trait;
use serde::Deserialize;

use super::hypervisor::{self, default_uri};
use super::qemu_img::qcow2;
use crate::libvirt::domain_xml;
use crate::libvirt::view::HypervisorView;
use crate::modules::action::Action;
use crate::modules::contract::{Change, Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LibvirtDisk {
    domain: String,
    /// The guest device name: `vdb`.
    target: String,
    /// The image file on the hypervisor, or a block device (`/dev/sdb`, with `format: raw`).
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

/// Where the disk stands.
enum Attachment {
    Attached,
    Missing {
        domain_running: bool,
    },
    /// No such domain yet: an earlier step may define it (check mode predicts), apply refuses.
    NoDomain,
}

impl LibvirtDisk {
    async fn attachment(&self, hypervisor: &HypervisorView) -> Result<Attachment, ModuleError> {
        let name = self.domain.clone();
        let Some(current) = hypervisor
            .read(move |libvirt| libvirt.domain(&name))
            .await
            .map_err(ModuleError::failed)?
        else {
            return Ok(Attachment::NoDomain);
        };
        match domain_xml::disk_at(&current.xml, &self.target).map_err(ModuleError::failed)? {
            Some(source) if source == self.source => Ok(Attachment::Attached),
            Some(other) => Err(ModuleError::failed(format!(
                "{} of {} already holds {other}: refusing to attach {} over it (choose a free target)",
                self.target, self.domain, self.source
            ))),
            None => Ok(Attachment::Missing { domain_running: current.active }),
        }
    }

    /// A source under /dev is a whole host disk passed through (the guide's HDD), else a file.
    fn device_xml(&self) -> String {
        let (kind, attribute) =
            if self.source.starts_with("/dev/") { ("block", "dev") } else { ("file", "file") };
        format!(
            "<disk type='{kind}' device='disk'><driver name='qemu' type='{}'/><source {attribute}='{}'/><target dev='{}' bus='{}'/></disk>",
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

impl Action for LibvirtDisk {
    const NAME: &'static str = "libvirt_disk";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for LibvirtDisk {
    /// Whether the domain is running (then the disk is attached live too); `None` when no
    /// domain was found (a dry run before the step that defines it).
    type Plan = Option<bool>;

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Self::Plan>, ModuleError> {
        let hypervisor = hypervisor::connect(host, &self.uri).await?;
        let summary = format!("attach {} to {} as {}", self.source, self.domain, self.target);
        Ok(match self.attachment(&hypervisor).await? {
            Attachment::Attached => {
                Check::Ok(Outcome::msg(format!("{} holds {}", self.target, self.source)))
            }
            Attachment::Missing { domain_running } => {
                Check::Change(Change::new(summary), Some(domain_running))
            }
            Attachment::NoDomain => {
                Check::Change(Change::new(format!("{summary} (once it is defined)")), None)
            }
        })
    }

    async fn apply(
        &self,
        domain_running: Option<bool>,
        host: &HostWriter<'_>,
    ) -> Result<Outcome, ModuleError> {
        let hypervisor = hypervisor::connect_to_change(host, &self.uri).await?;
        let Some(active) = domain_running else {
            return Err(ModuleError::failed(format!(
                "no domain {} on {}",
                self.domain,
                hypervisor.uri()
            )));
        };
        let (name, xml) = (self.domain.clone(), self.device_xml());
        let flags = virt::sys::VIR_DOMAIN_AFFECT_CONFIG
            | if active { virt::sys::VIR_DOMAIN_AFFECT_LIVE } else { 0 };
        hypervisor
            .call(move |conn| conn.lookup_domain_by_name(&name)?.attach_device_flags(&xml, flags))
            .await
            .map_err(ModuleError::failed)?;
        Ok(Outcome::default())
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Attaches a disk image or a device to a domain, live and in its definition.",
    check_mode: CheckMode::Predicts,
    diff: false,
    returns: &[],
    example: "- libvirt_disk: { domain: vm1, target: vdb, source: /var/lib/libvirt/images/hot.qcow2, uri: 'qemu:///system' }",
};
