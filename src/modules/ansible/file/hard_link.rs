//! `file`'s `state: hard`: whether a path is already a hard link to `src`, and making one.

use crate::connection::{FileKind, Stat};
use crate::modules::change_scripts;
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::modules::probe::{Probe, scripts};

/// What stands at a hard link's path.
pub enum HardLink {
    Missing,
    /// The same file as `src`, or (as ansible-core counts it) a symbolic link to `src`.
    Made,
    /// Something else, named.
    Other(&'static str),
}

/// Whether `path` is `src`'s file: the same device and inode. `src` must exist.
pub async fn inspect(
    host: &HostReader<'_>,
    path: &str,
    src: &str,
    stat: Option<&Stat>,
) -> Result<HardLink, ModuleError> {
    let answer = host.probe(Probe::script(&scripts::HARD_LINK, [path, src])).await?;
    if answer.rc == 3 {
        return Err(ModuleError::failed(format!("src does not exist: {src}")));
    }
    let text = String::from_utf8_lossy(&answer.stdout);
    let mut lines = text.lines();
    let (source, here) = (lines.next().unwrap_or(""), lines.next().unwrap_or(""));
    Ok(match stat {
        None => HardLink::Missing,
        Some(stat) if stat.kind == FileKind::Symlink => match stat.link_target.as_deref() {
            Some(target) if target == src => HardLink::Made,
            _ => HardLink::Other("a symbolic link"),
        },
        Some(stat) if stat.kind == FileKind::Directory => HardLink::Other("a directory"),
        Some(_) => match here.split_once(' ') {
            Some((inode, _)) if inode == source => HardLink::Made,
            Some((_, links)) if links != "1" => HardLink::Other("a different hard link"),
            _ => HardLink::Other("a file"),
        },
    })
}

/// Links `path` to `src`'s file (to a link's file with `follow`), made beside `path` and
/// renamed over what is there: a reader never finds no file.
pub async fn make(
    host: &HostWriter<'_>,
    src: &str,
    path: &str,
    follow: bool,
) -> Result<(), ModuleError> {
    let follow = if follow { "-L" } else { "-P" };
    host.run_ok(change_scripts::HARD_LINK.command([src, path, follow]), "ln").await?;
    Ok(())
}
