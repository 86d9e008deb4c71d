//! `libvirt_domain`: a VM defined from rendered XML, started, set to autostart; or removed,
//! but only when numarun made it. Redefinition compares only the fields numarun owns (see
//! `libvirt::domain_xml`), so libvirt's own rewriting of the XML never reads as a change.

use async_trait::async_trait;
use serde::Deserialize;

use super::hypervisor::{self, default_uri};
use crate::diag::Diag;
use crate::events::TextDiff;
use crate::libvirt::domain_xml::{self, Field};
use crate::libvirt::view::HypervisorView;
use crate::libvirt::{DomainView, find_domain};
use crate::modules::action::Action;
use crate::modules::contract::{Change, Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::yaml::Node;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LibvirtDomain {
    name: String,
    #[serde(default = "default_uri")]
    uri: String,
    /// A domain XML template (looked up under `templates/`), rendered with the step's variables.
    template: Option<String>,
    /// Or the XML itself.
    xml: Option<String>,
    #[serde(default)]
    state: DomainState,
    #[serde(default = "yes")]
    autostart: bool,
    /// Redefine a domain numarun did not create (it becomes numarun's).
    #[serde(default)]
    force: bool,
    /// With `state: absent`: image files to delete once the domain is gone (its system disk,
    /// its cloud-init seed). Deleted only when the domain was numarun's and is removed now.
    #[serde(default)]
    remove_images: Vec<String>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum DomainState {
    #[default]
    Running,
    Defined,
    Absent,
}

fn yes() -> bool {
    true
}

/// What a check found, and so what an apply does.
pub struct WantedDomain {
    define: Option<String>,
    start: bool,
    autostart: bool,
    remove: bool,
    summary: Vec<String>,
    diff: Option<TextDiff>,
    restart_for: Vec<String>,
}

impl LibvirtDomain {
    fn images(&self) -> impl Iterator<Item = &String> {
        self.remove_images.iter().filter(|path| !path.is_empty())
    }

    fn desired_xml(&self, host: &HostReader<'_>) -> Result<String, ModuleError> {
        let xml = match (&self.template, &self.xml) {
            (Some(template), None) => {
                let path = host.find_source(template, "templates")?;
                let text = crate::text_file::read(&path)?;
                host.scope.render_file(&path.display().to_string(), &text, Default::default())?
            }
            (None, Some(xml)) => xml.clone(),
            _ => return Err(ModuleError::failed("`libvirt_domain` needs `template` or `xml`")),
        };
        let doc = domain_xml::parse(&xml).map_err(ModuleError::failed)?;
        if domain_xml::name(&doc).as_deref() != Some(self.name.as_str()) {
            return Err(ModuleError::failed(format!(
                "the XML names the domain {:?}, not `{}`",
                domain_xml::name(&doc),
                self.name
            )));
        }
        if !domain_xml::is_managed(&xml) {
            return Err(ModuleError::failed(format!(
                "the XML lacks numarun's metadata element (<… xmlns=\"{}\">): without it, rollback could not tell the domain is ours",
                domain_xml::METADATA_NS
            )));
        }
        Ok(xml)
    }

    async fn wanted(
        &self,
        host: &HostReader<'_>,
        hypervisor: &HypervisorView,
    ) -> Result<WantedDomain, ModuleError> {
        let name = self.name.clone();
        let current: Option<DomainView> = hypervisor
            .read(move |libvirt| libvirt.domain(&name))
            .await
            .map_err(ModuleError::failed)?;
        let mut wanted = WantedDomain {
            define: None,
            start: false,
            autostart: false,
            remove: false,
            summary: vec![],
            diff: None,
            restart_for: vec![],
        };
        if self.state == DomainState::Absent {
            if let Some(current) = current.filter(|c| domain_xml::is_managed(&c.xml)) {
                wanted.remove = true;
                wanted.summary.push(format!(
                    "{}undefine {}",
                    if current.active { "destroy and " } else { "" },
                    self.name
                ));
                for image in self.images() {
                    wanted.summary.push(format!("delete {image}"));
                }
            }
            return Ok(wanted);
        }
        let desired = self.desired_xml(host)?;
        let after = domain_xml::owned_fields(&desired).map_err(ModuleError::failed)?;
        match &current {
            None => {
                wanted.summary.push(format!("define {}", self.name));
                wanted.diff = Some(fields_diff(&self.name, &[], &after));
                wanted.define = Some(desired);
            }
            Some(current) => {
                if !domain_xml::is_managed(&current.xml) && !self.force {
                    return Err(ModuleError::failed(format!(
                        "domain {} exists and numarun did not create it (no numarun metadata): refusing to redefine it; \
                         `force: true` takes it over",
                        self.name
                    )));
                }
                // Disks attached since (libvirt_disk) are not the template's: kept, not compared.
                let targets = domain_xml::disk_targets(&desired).map_err(ModuleError::failed)?;
                let before: Vec<Field> = domain_xml::owned_fields(&current.xml)
                    .map_err(ModuleError::failed)?
                    .into_iter()
                    .filter(|f| f.disk.as_ref().is_none_or(|t| targets.contains(t)))
                    .collect();
                if before != after {
                    let changed: Vec<String> = after
                        .iter()
                        .filter(|f| !before.contains(f))
                        .map(|f| f.line.clone())
                        .collect();
                    wanted.summary.push(format!("redefine {} ({})", self.name, changed.join("; ")));
                    if current.active {
                        wanted.restart_for = after
                            .iter()
                            .filter(|f| f.needs_restart && !before.contains(f))
                            .map(|f| f.line.clone())
                            .collect();
                    }
                    wanted.diff = Some(fields_diff(&self.name, &before, &after));
                    let uuid = domain_xml::uuid(&current.xml).unwrap_or_default();
                    let keeping_disks = domain_xml::with_disks_of(&desired, &current.xml)
                        .map_err(ModuleError::failed)?;
                    wanted.define = Some(domain_xml::with_uuid(&keeping_disks, &uuid));
                }
            }
        }
        let active = current.as_ref().is_some_and(|c| c.active);
        if self.state == DomainState::Running && !active {
            wanted.start = true;
            wanted.summary.push(format!("start {}", self.name));
        }
        if current.as_ref().is_none_or(|c| c.autostart != self.autostart) {
            wanted.autostart = true;
            wanted.summary.push(format!("autostart {}", if self.autostart { "on" } else { "off" }));
        }
        Ok(wanted)
    }
}

/// numarun's fields before and after, as a reviewable diff.
fn fields_diff(name: &str, before: &[Field], after: &[Field]) -> TextDiff {
    let lines =
        |fields: &[Field]| fields.iter().map(|f| format!("{}\n", f.line)).collect::<String>();
    TextDiff {
        path: format!("domain {name} (fields numarun owns)"),
        before: lines(before),
        after: lines(after),
    }
}

impl Action for LibvirtDomain {
    const NAME: &'static str = "libvirt_domain";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for LibvirtDomain {
    /// What the check found to do: define, start, set autostart, remove.
    type Plan = WantedDomain;

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Self::Plan>, ModuleError> {
        let hypervisor = hypervisor::connect(host, &self.uri).await?;
        let wanted = self.wanted(host, &hypervisor).await?;
        if wanted.summary.is_empty() {
            let msg = match self.state {
                DomainState::Absent => {
                    format!("{} is absent or not numarun's (left alone)", self.name)
                }
                _ => format!("{} is as planned", self.name),
            };
            return Ok(Check::Ok(Outcome::msg(msg)));
        }
        let change = Change { summary: wanted.summary.join(", "), diff: wanted.diff.clone() };
        Ok(Check::Change(change, wanted))
    }

    async fn apply(
        &self,
        wanted: WantedDomain,
        host: &HostWriter<'_>,
    ) -> Result<Outcome, ModuleError> {
        let hypervisor = hypervisor::connect_to_change(host, &self.uri).await?;
        let name = self.name.clone();
        let autostart = self.autostart;
        let WantedDomain { define, start, autostart: set_autostart, remove, restart_for, .. } =
            wanted;
        hypervisor
            .call(move |conn| {
                if remove {
                    if let Some(domain) = find_domain(conn, &name)? {
                        if domain.is_active()? {
                            domain.destroy()?;
                        }
                        domain.undefine_flags(
                            virt::sys::VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
                                | virt::sys::VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA,
                        )?;
                    }
                    return Ok(());
                }
                let domain = match define {
                    Some(xml) => conn.define_domain_xml(&xml)?,
                    None => conn.lookup_domain_by_name(&name)?,
                };
                if start {
                    domain.create()?;
                }
                if set_autostart {
                    domain.set_autostart(autostart)?;
                }
                Ok(())
            })
            .await
            .map_err(ModuleError::failed)?;
        if remove {
            for image in self.images() {
                host.remove(image).await?;
            }
        }
        Ok(match restart_for.is_empty() {
            true => Outcome::default(),
            false => Outcome::msg(format!(
                "defined; a restart of {} applies: {}",
                self.name,
                restart_for.join("; ")
            )),
        })
    }

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        match (&self.template, &self.xml, self.state) {
            (Some(_), Some(_), _) => {
                Err(Diag::invalid(&args.span, "give `template` or `xml`, not both"))
            }
            (None, None, DomainState::Running | DomainState::Defined) => Err(Diag::invalid(
                &args.span,
                "`libvirt_domain` needs `template` or `xml` unless `state: absent`",
            )),
            _ => Ok(()),
        }
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Defines a libvirt domain from a template and keeps it running, stopped or gone.",
    check_mode: CheckMode::Predicts,
    diff: true,
    returns: &[],
    example: "- libvirt_domain: { name: vm1, template: libvirt/domain.xml.j2, uri: 'qemu:///system', state: running }",
};
