//! `base_image`: the VMs' base image, from a URL (a local mirror) or a path on the host, checked
//! against its sha256. Fetched only when missing or wrong; a download that does not match is
//! never put in place.

use async_trait::async_trait;
use serde::Deserialize;

use crate::connection::Command;
use crate::modules::action::Action;
use crate::modules::contract::{Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::modules::probe::{Digest, Probe, ReadOnlyProgram};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BaseImage {
    /// `http(s)://…` (fetched with curl on the host) or a path on the host.
    src: String,
    dest: String,
    sha256: String,
}

impl BaseImage {
    fn is_url(&self) -> bool {
        ["http://", "https://", "ftp://", "file://"]
            .iter()
            .any(|scheme| self.src.starts_with(scheme))
    }

    async fn digest(
        &self,
        host: &HostReader<'_>,
        path: &str,
    ) -> Result<Option<String>, ModuleError> {
        if host.stat(path).await?.is_none() {
            return Ok(None);
        }
        let sha256 = ReadOnlyProgram::Checksum(Digest::Sha256);
        let out = host.probe(Probe::program(sha256, ["--", path])).await?;
        if out.rc != 0 {
            return Err(ModuleError::failed(format!("sha256sum {path}: {}", out.stderr_text())));
        }
        Ok(String::from_utf8_lossy(&out.stdout).split_whitespace().next().map(str::to_string))
    }
}

impl Action for BaseImage {
    const NAME: &'static str = "base_image";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for BaseImage {
    type Plan = ();

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Self::Plan>, ModuleError> {
        let want = self.sha256.to_ascii_lowercase();
        Ok(match self.digest(host, &self.dest).await? {
            Some(have) if have == want => {
                Check::Ok(Outcome::msg(format!("{} matches its sha256", self.dest)))
            }
            Some(have) => Check::change(format!(
                "replace {} (sha256 {have}, expected {want}) from {}",
                self.dest, self.src
            )),
            None => Check::change(format!("fetch {} from {}", self.dest, self.src)),
        })
    }

    async fn apply(
        &self,
        _plan: Self::Plan,
        host: &HostWriter<'_>,
    ) -> Result<Outcome, ModuleError> {
        let partial = format!("{}.numarun-partial", self.dest);
        let fetch = match self.is_url() {
            true => Command::argv([
                "curl",
                "-fsSL",
                "--retry",
                "2",
                "-o",
                partial.as_str(),
                "--",
                self.src.as_str(),
            ]),
            false => Command::argv(["cp", "--", self.src.as_str(), partial.as_str()]),
        };
        let fetched = host.run(fetch).await?;
        if fetched.rc != 0 {
            host.remove(&partial).await?;
            return Err(ModuleError::failed(format!(
                "cannot fetch {}: {}",
                self.src,
                fetched.stderr_text()
            )));
        }
        let want = self.sha256.to_ascii_lowercase();
        let have = self.digest(host, &partial).await?.unwrap_or_default();
        if have != want {
            host.remove(&partial).await?;
            return Err(ModuleError::failed(format!(
                "{} has sha256 {have}, expected {want}: not put in place",
                self.src
            )));
        }
        let placed = host
            .run(Command::argv(["mv", "-f", "--", partial.as_str(), self.dest.as_str()]))
            .await?;
        if placed.rc != 0 {
            return Err(ModuleError::failed(format!(
                "cannot place {}: {}",
                self.dest,
                placed.stderr_text()
            )));
        }
        Ok(Outcome::default())
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Puts a base image in place from a path or URL, only when its SHA-256 matches.",
    check_mode: CheckMode::Predicts,
    diff: false,
    returns: &[],
    example: "- base_image: { src: /srv/images/debian-12.qcow2, dest: /var/lib/libvirt/images/base.qcow2, sha256: '0000000000000000000000000000000000000000000000000000000000000000' }",
};
