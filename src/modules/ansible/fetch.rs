//! `fetch`: a file of the host copied to the controller, into `dest/HOST/PATH` (or `dest`
//! itself with `flat`), written only when its bytes differ; a dry run writes nothing.

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use crate::connection::{Attrs, FileKind, PlannedRead};
use crate::modules::action::Action;
use crate::modules::contract::{Change, Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FetchModule {
    src: String,
    dest: String,
    #[serde(default)]
    flat: bool,
    #[serde(default = "yes")]
    fail_on_missing: bool,
    #[serde(default = "yes")]
    validate_checksum: bool,
}

fn yes() -> bool {
    true
}

/// The bytes to write on the controller, and where.
#[derive(Debug)]
pub struct Fetched {
    dest: std::path::PathBuf,
    content: Vec<u8>,
}

impl FetchModule {
    /// Where the file goes on the controller, as Ansible's fetch works it out.
    fn destination(&self, host: &HostReader<'_>) -> Result<std::path::PathBuf, ModuleError> {
        let var = |name: &str| -> Result<String, ModuleError> {
            Ok(host.scope.get(name)?.map(|v| v.to_string()).unwrap_or_default())
        };
        let base = std::path::Path::new(&var("playbook_dir")?).to_path_buf();
        let dest = if self.flat {
            let mut dest = self.dest.clone();
            if dest.ends_with('/') {
                dest.push_str(self.src.rsplit('/').next().unwrap_or_default());
            } else if std::path::Path::new(&dest).is_dir() {
                return Err(ModuleError::failed(
                    "dest is an existing directory, use a trailing slash if you want to fetch src into that directory",
                ));
            }
            base.join(dest)
        } else {
            let host_name = var("inventory_hostname")?;
            base.join(&self.dest).join(host_name).join(self.src.trim_start_matches('/'))
        };
        if dest.components().any(|c| c == std::path::Component::ParentDir) {
            return Err(ModuleError::failed(format!(
                "Detected directory traversal, expected to be contained in '{}' but got '{}'",
                self.dest,
                dest.display()
            )));
        }
        Ok(dest)
    }
}

impl Action for FetchModule {
    const NAME: &'static str = "fetch";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for FetchModule {
    type Plan = Fetched;

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Fetched>, ModuleError> {
        let src = &self.src;
        let content = match host.inspect(src).await? {
            Some((stat, _)) if stat.kind == FileKind::Directory => {
                return Err(ModuleError::failed(
                    "remote file is a directory, fetch cannot work on directories",
                ));
            }
            Some((_, Some(content))) => content,
            Some((_, None)) | None if self.fail_on_missing => {
                return Err(ModuleError::failed(format!("the remote file does not exist: {src}")));
            }
            Some((_, None)) | None => {
                let msg = "the remote file does not exist, not transferring, ignored";
                let data = vec![("file".into(), Value::from(src.as_str()))];
                return Ok(Check::Ok(Outcome {
                    msg: Some(msg.into()),
                    data,
                    ..Outcome::default()
                }));
            }
        };
        let dest = self.destination(host)?;
        let checksum = crate::modules::support::digest::sha1_hex(&content);
        let data = vec![
            ("dest".into(), Value::from(dest.display().to_string())),
            ("checksum".into(), Value::from(checksum.as_str())),
            ("md5sum".into(), Value::from(format!("{:x}", md5::compute(&content)))),
            ("file".into(), Value::from(src.as_str())),
        ];
        match std::fs::read(&dest) {
            Ok(local) if local == content => Ok(Check::Ok(Outcome { data, ..Outcome::default() })),
            _ => Ok(Check::Change(
                Change::new(format!("fetch {src} to {}", dest.display())),
                Fetched { dest, content },
            )),
        }
    }

    async fn apply(&self, plan: Fetched, _host: &HostWriter<'_>) -> Result<Outcome, ModuleError> {
        let failed = |e: std::io::Error| {
            ModuleError::failed(format!("Failed to fetch the file to {}: {e}", plan.dest.display()))
        };
        if let Some(dir) = plan.dest.parent() {
            std::fs::create_dir_all(dir).map_err(failed)?;
        }
        crate::connection::write_atomic(&plan.dest, &plan.content, Attrs::default())
            .map_err(failed)?;
        let written = std::fs::read(&plan.dest).map_err(failed)?;
        let (checksum, remote) = (
            crate::modules::support::digest::sha1_hex(&written),
            crate::modules::support::digest::sha1_hex(&plan.content),
        );
        if self.validate_checksum && checksum != remote {
            return Err(ModuleError::failed("checksum mismatch"));
        }
        Ok(Outcome {
            data: vec![
                ("dest".into(), Value::from(plan.dest.display().to_string())),
                ("checksum".into(), Value::from(checksum)),
                ("remote_checksum".into(), Value::from(remote)),
                ("md5sum".into(), Value::from(format!("{:x}", md5::compute(&written)))),
                ("remote_md5sum".into(), Value::from(())),
            ],
            ..Outcome::default()
        })
    }

    fn planned_reads(&self) -> Vec<PlannedRead> {
        vec![PlannedRead { path: self.src.clone(), content: true }]
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Copies a file from the host to the controller.",
    check_mode: CheckMode::Predicts,
    diff: false,
    returns: &[
        ("dest", "where it was written"),
        ("checksum", "its SHA-1"),
        ("remote_checksum", "the host copy's SHA-1"),
        ("file", "the host path"),
    ],
    example: "- fetch: { src: /etc/hostname, dest: fetched/ }",
};
