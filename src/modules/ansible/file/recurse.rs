//! `file`'s `recurse`: the files and folders inside a folder whose attributes differ from
//! those asked for.

use crate::connection::{Attrs, FileKind, Stat};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::probe::{Probe, scripts};
use crate::modules::support::attrs::{FileAttrs, differences};

/// Each file and folder inside `path` whose attributes differ from what `attrs` resolves to
/// for it, with those (links are left as they are).
pub async fn differing_inside(
    host: &HostReader<'_>,
    path: &str,
    attrs: &FileAttrs,
) -> Result<Vec<(String, Attrs)>, ModuleError> {
    let listing = host.probe_ok(Probe::script(&scripts::LIST_INSIDE, [path]), "find").await?;
    let mut differing = Vec::new();
    for record in String::from_utf8_lossy(&listing.stdout).split('\0').filter(|r| !r.is_empty()) {
        let fields: Vec<&str> = record.splitn(5, ' ').collect();
        let [kind, mode, uid, gid, path] = fields[..] else { continue };
        let kind = match kind {
            "d" => FileKind::Directory,
            "f" => FileKind::File,
            _ => continue,
        };
        let stat = Stat {
            kind,
            mode: u32::from_str_radix(mode, 8).unwrap_or(0),
            uid: uid.parse().unwrap_or(0),
            gid: gid.parse().unwrap_or(0),
            size: 0,
            link_target: None,
        };
        let wanted = attrs.resolve(host, Some(&stat), kind == FileKind::Directory).await?;
        if !differences(&wanted, &stat).is_empty() {
            differing.push((path.to_string(), wanted));
        }
    }
    Ok(differing)
}
