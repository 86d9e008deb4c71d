//! `setup`'s storage facts: `ansible_mounts` and `ansible_devices`, from the facts script's sections.

use serde_json::{Map, Value, json};

/// Mounted block devices and network filesystems, as Ansible lists them (not proc, tmpfs, …).
pub(super) fn mounts(table: &str, statvfs: &str) -> Value {
    let sizes: Vec<Vec<&str>> = statvfs.lines().map(|l| l.splitn(8, ' ').collect()).collect();
    let mounts: Vec<Value> = table
        .lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let [device, mount, fstype, options, ..] = words[..] else { return None };
            if !(device.starts_with('/') || device.contains(":/")) || fstype == "none" {
                return None;
            }
            let mount = mount.replace("\\040", " ");
            let size = sizes.iter().find(|s| s.get(7) == Some(&mount.as_str()));
            let n = |i: usize| size.and_then(|s| s.get(i)?.parse::<u64>().ok()).unwrap_or(0);
            let (bsize, frsize, blocks, bavail, bfree, files, ffree) =
                (n(0), n(1), n(2), n(3), n(4), n(5), n(6));
            Some(json!({
                "mount": mount, "device": device, "fstype": fstype, "options": options,
                "size_total": frsize * blocks, "size_available": frsize * bavail,
                "block_size": bsize, "block_total": blocks, "block_available": bavail,
                "block_used": blocks.saturating_sub(bfree), "inode_total": files,
                "inode_available": ffree, "inode_used": files.saturating_sub(ffree),
                "uuid": "N/A",
            }))
        })
        .collect();
    Value::Array(mounts)
}

/// Block devices by name: sectors, sector size, size, removable, rotational, model, vendor and
/// partitions, as Ansible's `ansible_devices` gives them (numbers as text, as there).
pub(super) fn devices(listing: &str, models: &str) -> Value {
    let mut devices = Map::new();
    let mut current: Option<String> = None;
    for line in listing.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let Some(partition) = line.strip_prefix("  ") {
            let p: Vec<&str> = partition.split_whitespace().collect();
            let (Some(name), Some(disk)) = (p.first(), current.as_ref()) else { continue };
            let sectors = p.get(1).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
            let entry = json!({
                "sectors": sectors, "start": p.get(2).copied().unwrap_or("0"),
                "size": human(sectors * 512), "sectorsize": 512,
            });
            if let Some(Value::Object(partitions)) =
                devices.get_mut(disk).and_then(|d| d.get_mut("partitions"))
            {
                partitions.insert(name.to_string(), entry);
            }
            continue;
        }
        let [name, sectors, sector_size, removable, rotational] = words[..] else { continue };
        let model = models.lines().find_map(|l| {
            let mut parts = l.split('\t');
            (parts.next() == Some(name)).then(|| (parts.next(), parts.next()))
        });
        let text = |v: Option<&str>| {
            v.map(str::trim).filter(|v| !v.is_empty()).map_or(Value::Null, |v| json!(v))
        };
        let sector_count = sectors.parse::<u64>().unwrap_or(0);
        devices.insert(
            name.to_string(),
            json!({
                "sectors": sector_count, "sectorsize": sector_size,
                "size": human(sector_count * 512), "removable": removable,
                "rotational": rotational,
                "vendor": text(model.and_then(|m| m.0)), "model": text(model.and_then(|m| m.1)),
                "partitions": {},
            }),
        );
        current = Some(name.to_string());
    }
    Value::Object(devices)
}

/// Bytes as Ansible writes a size: `20.00 GB`.
fn human(bytes: u64) -> String {
    let units = ["Bytes", "KB", "MB", "GB", "TB", "PB"];
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1024.0 && unit + 1 < units.len() {
        size /= 1024.0;
        unit += 1;
    }
    format!("{size:.2} {}", units[unit])
}
