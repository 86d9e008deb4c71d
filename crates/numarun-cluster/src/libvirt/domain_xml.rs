//! The parts of a domain's XML that numarun owns, as comparable lines. libvirt rewrites a
//! defined domain (units, defaults, addresses), so the rendered XML and the defined XML are
//! compared only on these, each normalised.

use roxmltree::{Document, Node};

use crate::numa::CpuSet;

/// The namespace of the metadata element that marks a domain as numarun's.
pub const METADATA_NS: &str = "https://numarun.dev/xmlns/domain/1";

/// One owned field: a line like `vcpupin 3 39`, and whether changing it needs a restart of a
/// running domain to take effect.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Field {
    /// The field as a line: `vcpupin 3 39`.
    pub line: String,
    /// Changing it takes effect only when a running domain restarts.
    pub needs_restart: bool,
    /// For a disk, its target device: disks attached later (`libvirt_disk`) are not the
    /// template's to compare or drop.
    pub disk: Option<String>,
}

/// Why a domain's XML cannot be read as numarun needs it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainXmlError {
    /// Not XML.
    #[error("the domain XML does not parse: {0}")]
    Parse(String),
    /// A memory size that is not a number.
    #[error("memory `{0}` is not a number")]
    Memory(String),
    /// A memory unit numarun does not write.
    #[error("memory unit `{0}` is not one numarun writes")]
    MemoryUnit(String),
    /// A CPU set that does not read as one.
    #[error("{0}")]
    CpuSet(String),
}

/// The XML as a document.
pub fn parse(xml: &str) -> Result<Document<'_>, DomainXmlError> {
    Document::parse(xml).map_err(|e| DomainXmlError::Parse(e.to_string()))
}

/// Whether the XML carries numarun's metadata element.
pub fn is_managed(xml: &str) -> bool {
    parse(xml)
        .is_ok_and(|doc| doc.descendants().any(|n| n.tag_name().namespace() == Some(METADATA_NS)))
}

/// The domain's name.
pub fn name(doc: &Document) -> Option<String> {
    child(doc.root_element(), "name").and_then(|n| n.text()).map(str::to_string)
}

/// The domain's UUID, if the XML gives one.
pub fn uuid(xml: &str) -> Option<String> {
    parse(xml).ok().and_then(|doc| {
        child(doc.root_element(), "uuid").and_then(|n| n.text()).map(str::to_string)
    })
}

/// The same XML with `uuid` set, so a redefinition keeps the domain's identity.
pub fn with_uuid(xml: &str, uuid: &str) -> String {
    match xml.find("</name>") {
        Some(end) if !xml.contains("<uuid>") => {
            let at = end + "</name>".len();
            format!("{}\n  <uuid>{uuid}</uuid>{}", &xml[..at], &xml[at..])
        }
        _ => xml.to_string(),
    }
}

/// The owned fields, sorted.
pub fn owned_fields(xml: &str) -> Result<Vec<Field>, DomainXmlError> {
    let doc = parse(xml)?;
    let domain = doc.root_element();
    let mut fields = Vec::new();
    let mut push = |line: String, needs_restart: bool, disk: Option<&str>| {
        fields.push(Field { line, needs_restart, disk: disk.map(str::to_string) })
    };
    push(format!("type {}", domain.attribute("type").unwrap_or("")), true, None);
    if let Some(vcpu) = child(domain, "vcpu") {
        push(
            format!(
                "vcpu {} placement={}",
                text(vcpu),
                vcpu.attribute("placement").unwrap_or("static")
            ),
            true,
            None,
        );
    }
    if let Some(memory) = child(domain, "memory") {
        push(format!("memory {} KiB", kib(text(memory), memory.attribute("unit"))?), true, None);
    }
    if let Some(os) = child(domain, "os") {
        let part = |name| child(os, name).map(text).unwrap_or("");
        let mut boot: Vec<&str> = os
            .children()
            .filter(|n| n.has_tag_name("boot"))
            .filter_map(|n| n.attribute("dev"))
            .collect();
        if boot.is_empty() {
            boot.push("hd"); // libvirt's default, which it writes into the definition
        }
        push(
            format!(
                "os kernel={} initrd={} cmdline={} boot={}",
                part("kernel"),
                part("initrd"),
                part("cmdline"),
                boot.join(",")
            ),
            true,
            None,
        );
    }
    if let Some(cputune) = child(domain, "cputune") {
        for pin in cputune.children().filter(|n| n.has_tag_name("vcpupin")) {
            push(
                format!(
                    "vcpupin {} cpuset={}",
                    pin.attribute("vcpu").unwrap_or("?"),
                    cpuset(pin.attribute("cpuset"))?
                ),
                true,
                None,
            );
        }
        if let Some(pin) = child(cputune, "emulatorpin") {
            push(format!("emulatorpin cpuset={}", cpuset(pin.attribute("cpuset"))?), true, None);
        }
    }
    if let Some(memory) = child(domain, "numatune").and_then(|n| child(n, "memory")) {
        let mode = memory.attribute("mode").unwrap_or("strict");
        push(
            format!("numatune mode={mode} nodeset={}", cpuset(memory.attribute("nodeset"))?),
            true,
            None,
        );
    }
    if let Some(topology) = child(domain, "cpu").and_then(|c| child(c, "topology")) {
        let attr = |name| topology.attribute(name).unwrap_or("1");
        push(
            format!(
                "cpu topology sockets={} dies={} cores={} threads={}",
                attr("sockets"),
                attr("dies"),
                attr("cores"),
                attr("threads")
            ),
            true,
            None,
        );
    }
    if let Some(features) = child(domain, "features") {
        let mut names: Vec<&str> =
            features.children().filter(Node::is_element).map(|n| n.tag_name().name()).collect();
        names.sort_unstable();
        push(format!("features {}", names.join(" ")), true, None);
    }
    if let Some(devices) = child(domain, "devices") {
        for disk in devices.children().filter(|n| n.has_tag_name("disk")) {
            let target = child(disk, "target").and_then(|t| t.attribute("dev")).unwrap_or("?");
            let source = child(disk, "source")
                .and_then(|s| s.attribute("file").or(s.attribute("dev")))
                .unwrap_or("");
            let line =
                format!("disk {target} {} {source}", disk.attribute("device").unwrap_or("disk"));
            push(line, true, Some(target));
        }
        for interface in devices.children().filter(|n| n.has_tag_name("interface")) {
            let source = child(interface, "source");
            let to =
                source.and_then(|s| s.attribute("network").or(s.attribute("bridge"))).unwrap_or("");
            push(
                format!("interface {} {to}", interface.attribute("type").unwrap_or("?")),
                true,
                None,
            );
        }
    }
    push(format!("managed by numarun: {}", is_managed(xml)), false, None);
    fields.sort();
    Ok(fields)
}

/// The target device names of the XML's disks.
pub fn disk_targets(xml: &str) -> Result<Vec<String>, DomainXmlError> {
    let doc = parse(xml)?;
    Ok(disks(&doc)
        .filter_map(|disk| {
            child(disk, "target").and_then(|t| t.attribute("dev")).map(str::to_string)
        })
        .collect())
}

/// `desired` with the disks of `current` whose targets it lacks appended, so redefining a
/// domain keeps the disks attached to it since.
pub fn with_disks_of(desired: &str, current: &str) -> Result<String, DomainXmlError> {
    let keep = disk_targets(desired)?;
    let doc = parse(current)?;
    let extra: String = disks(&doc)
        .filter(|disk| {
            child(*disk, "target")
                .and_then(|t| t.attribute("dev"))
                .is_some_and(|t| !keep.iter().any(|k| k == t))
        })
        .map(|disk| format!("  {}\n  ", &current[disk.range()]))
        .collect();
    match desired.rfind("</devices>") {
        Some(at) if !extra.is_empty() => Ok(format!("{}{extra}{}", &desired[..at], &desired[at..])),
        _ => Ok(desired.to_string()),
    }
}

fn disks<'a, 'i>(doc: &'a Document<'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    doc.descendants()
        .filter(|n| n.has_tag_name("disk") && n.parent().is_some_and(|p| p.has_tag_name("devices")))
}

/// The disk a target device name (`vdb`) holds: its source file, if the domain has one there.
pub fn disk_at(xml: &str, target: &str) -> Result<Option<String>, DomainXmlError> {
    let doc = parse(xml)?;
    Ok(disks(&doc)
        .find(|disk| child(*disk, "target").and_then(|t| t.attribute("dev")) == Some(target))
        .map(|disk| {
            child(disk, "source")
                .and_then(|s| s.attribute("file").or(s.attribute("dev")))
                .unwrap_or("")
                .to_string()
        }))
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| n.has_tag_name(name))
}

fn text<'a>(node: Node<'a, '_>) -> &'a str {
    node.text().unwrap_or("").trim()
}

fn kib(value: &str, unit: Option<&str>) -> Result<u64, DomainXmlError> {
    let number: u64 = value.parse().map_err(|_| DomainXmlError::Memory(value.to_string()))?;
    let factor = match unit.unwrap_or("KiB") {
        "b" | "bytes" => return Ok(number / 1024),
        "KiB" | "k" | "K" => 1,
        "MiB" | "M" => 1024,
        "GiB" | "G" => 1024 * 1024,
        other => return Err(DomainXmlError::MemoryUnit(other.to_string())),
    };
    Ok(number * factor)
}

fn cpuset(value: Option<&str>) -> Result<String, DomainXmlError> {
    CpuSet::parse(value.unwrap_or(""))
        .map(|set| set.to_string())
        .map_err(|e| DomainXmlError::CpuSet(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libvirts_rewrites_compare_equal() {
        let rendered = format!(
            "<domain type='qemu'><name>a</name><metadata><m:managed xmlns:m='{METADATA_NS}'/></metadata>\
             <memory unit='MiB'>128</memory><vcpu>2</vcpu><cputune><vcpupin vcpu='0' cpuset='0'/>\
             <emulatorpin cpuset='0,1'/></cputune><cpu><topology sockets='1' cores='1' threads='2'/></cpu></domain>"
        );
        let defined = format!(
            "<domain type='qemu'><name>a</name><uuid>u</uuid><metadata><m:managed xmlns:m='{METADATA_NS}'/></metadata>\
             <memory unit='KiB'>131072</memory><vcpu placement='static'>2</vcpu><cputune><vcpupin vcpu='0' cpuset='0'/>\
             <emulatorpin cpuset='0-1'/></cputune><cpu mode='custom'><topology sockets='1' dies='1' cores='1' threads='2'/></cpu>\
             <devices><controller type='usb'/></devices></domain>"
        );
        assert_eq!(owned_fields(&rendered).unwrap(), owned_fields(&defined).unwrap());
        assert!(is_managed(&defined));
        assert!(with_uuid(&rendered, "u").contains("<name>a</name>\n  <uuid>u</uuid>"));
    }
}
