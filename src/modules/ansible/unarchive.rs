//! `unarchive`: a tar archive (plain, gzip, bzip2, xz or zstd) unpacked into a folder on the
//! host, from the controller (sent down tar's standard input, never left on the host) or with
//! `remote_src` from the host. Whether it is unpacked already is `tar --diff`'s answer, read as
//! ansible-core reads it. Zip archives are not handled.

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use crate::connection::{Command, FileKind};
use crate::file_error::FileError;
use crate::modules::action::Action;
use crate::modules::contract::{Change, Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::modules::probe::{Probe, ReadOnlyProgram};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Unarchive {
    src: String,
    dest: String,
    #[serde(default)]
    remote_src: bool,
    /// Nothing to do when this path exists.
    creates: Option<String>,
    #[serde(default)]
    list_files: bool,
    #[serde(default)]
    keep_newer: bool,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    extra_opts: Vec<String>,
}

/// The archive as tar reads it: its bytes for stdin (from the controller) or its path on the
/// host, and the flag for its compression.
#[derive(Debug, Clone)]
pub struct Archive {
    bytes: Option<Vec<u8>>,
    path: String,
    compression: Option<&'static str>,
}

/// tar's flag for a compression, told by the archive's first bytes.
fn compression(head: &[u8]) -> Result<Option<&'static str>, ModuleError> {
    Ok(match head {
        [0x1f, 0x8b, ..] => Some("-z"),
        [b'B', b'Z', b'h', ..] => Some("-j"),
        [0xfd, b'7', b'z', b'X', b'Z', 0, ..] => Some("-J"),
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Some("--zstd"),
        [b'P', b'K', 3, 4, ..] => {
            return Err(ModuleError::failed("zip archives are not supported: only tar archives"));
        }
        _ => None,
    })
}

impl Unarchive {
    /// What follows tar's action: `-C DEST`, the archive's flags and the options given.
    fn tar_args(&self, listing: bool, archive: &Archive) -> Vec<String> {
        let mut argv: Vec<String> = vec!["-C".into(), self.dest.clone()];
        argv.extend(archive.compression.map(String::from));
        if !self.extra_opts.is_empty() {
            argv.push("--show-transformed-names".into());
            argv.extend(self.extra_opts.iter().cloned());
        }
        if self.keep_newer && !listing {
            argv.push("--keep-newer-files".into());
        }
        argv.extend(self.exclude.iter().map(|e| format!("--exclude={e}")));
        let from = if archive.bytes.is_some() { "-" } else { archive.path.as_str() };
        argv.extend(["-f".into(), from.to_string()]);
        argv
    }

    /// A check's `tar --diff` or `tar --list` of the archive.
    fn tar_probe(&self, reader: ReadOnlyProgram, archive: &Archive) -> Probe {
        let probe =
            Probe::program(reader, self.tar_args(reader == ReadOnlyProgram::TarList, archive));
        let probe = probe.env("LC_ALL", "C");
        match &archive.bytes {
            Some(bytes) => probe.stdin(bytes.clone()),
            None => probe,
        }
    }

    async fn archive(&self, host: &HostReader<'_>) -> Result<Archive, ModuleError> {
        let bytes = match self.remote_src {
            true => host.read(&self.src).await?.ok_or_else(|| {
                ModuleError::NotYet(format!("Source '{}' does not exist", self.src))
            })?,
            false => {
                let path = host.find_source(&self.src, "files")?;
                std::fs::read(&path).map_err(|e| FileError::read(&path, e))?
            }
        };
        if bytes.is_empty() {
            return Err(ModuleError::failed(format!(
                "Invalid archive '{}', the file is 0 bytes",
                self.src
            )));
        }
        let compression = compression(&bytes)?;
        Ok(Archive {
            bytes: (!self.remote_src).then_some(bytes),
            path: self.src.clone(),
            compression,
        })
    }

    /// Whether `tar --diff` finds the archive unpacked: differences in owner count only for
    /// root (anyone else cannot give files away), as ansible-core counts them.
    async fn unpacked(
        &self,
        host: &HostReader<'_>,
        archive: &Archive,
    ) -> Result<bool, ModuleError> {
        let output = host.probe(self.tar_probe(ReadOnlyProgram::TarDiff, archive)).await?;
        let root =
            host.probe_stdout(Probe::program(ReadOnlyProgram::Id, ["-u"]), "id -u").await? == "0";
        let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), output.stderr_text());
        let counts = |line: &str| {
            (root && (line.ends_with(": Uid differs") || line.ends_with(": Gid differs")))
                || [
                    ": Mode differs",
                    ": Mod time differs",
                    ": Symlink differs",
                    ": Contents differ",
                    ": Size differs",
                ]
                .iter()
                .any(|end| line.ends_with(end))
                || line.ends_with(": Warning: Cannot stat: No such file or directory")
                    && !line.contains(": : Warning")
                || line.contains(": Invalid owner")
                || line.contains(": Invalid group")
        };
        Ok(!text.lines().any(counts))
    }

    async fn outcome(
        &self,
        host: &HostReader<'_>,
        archive: &Archive,
    ) -> Result<Outcome, ModuleError> {
        let mut data = vec![
            ("dest".into(), Value::from(self.dest.as_str())),
            ("src".into(), Value::from(self.src.as_str())),
            ("handler".into(), Value::from("TgzArchive")),
        ];
        if self.list_files {
            let listing = host
                .probe_stdout(self.tar_probe(ReadOnlyProgram::TarList, archive), "tar --list")
                .await?;
            let files: Vec<Value> = listing.lines().map(Value::from).collect();
            data.push(("files".into(), Value::from(files)));
        }
        Ok(Outcome { data, ..Outcome::default() })
    }
}

impl Action for Unarchive {
    const NAME: &'static str = "unarchive";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for Unarchive {
    type Plan = Archive;

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Archive>, ModuleError> {
        if let Some(creates) = &self.creates
            && host.stat(creates).await?.is_some()
        {
            let msg = format!("skipped, since {creates} exists");
            return Ok(Check::Ok(Outcome { skipped: true, ..Outcome::msg(msg) }));
        }
        match host.stat(&self.dest).await? {
            Some(stat) if stat.kind == FileKind::Directory => {}
            Some(_) => {
                return Err(ModuleError::failed(format!(
                    "Destination '{}' is not a directory",
                    self.dest
                )));
            }
            // Often a step before makes it: a dry run cannot know, a real run fails.
            None => {
                return Err(ModuleError::NotYet(format!(
                    "Destination '{}' is not a directory",
                    self.dest
                )));
            }
        }
        let archive = self.archive(host).await?;
        if self.unpacked(host, &archive).await? {
            return Ok(Check::Ok(self.outcome(host, &archive).await?));
        }
        Ok(Check::Change(Change::new(format!("unpack {} into {}", self.src, self.dest)), archive))
    }

    async fn apply(&self, archive: Archive, host: &HostWriter<'_>) -> Result<Outcome, ModuleError> {
        let mut extract = Command::argv(
            ["tar".to_string(), "--extract".into()]
                .into_iter()
                .chain(self.tar_args(false, &archive)),
        );
        extract.stdin = archive.bytes.clone();
        extract.env = vec![("LC_ALL".into(), "C".into())];
        let output = host.run(extract).await?;
        if output.rc != 0 {
            return Err(ModuleError::failed(format!(
                "failed to unpack {} to {}: {}",
                self.src,
                self.dest,
                output.stderr_text().trim()
            )));
        }
        self.outcome(host, &archive).await
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Unpacks a tar archive (from the controller, or the host with `remote_src`) into a folder.",
    check_mode: CheckMode::Predicts,
    diff: false,
    returns: &[
        ("dest", "the folder"),
        ("src", "the archive"),
        ("files", "its members, with list_files"),
        ("handler", "how it was unpacked"),
    ],
    example: "- unarchive: { src: app.tar.gz, dest: /opt/app, creates: /opt/app/bin }",
};
