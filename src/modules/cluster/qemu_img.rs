//! `qemu_img`: a disk image created once, optionally on a backing image. An existing image is
//! never overwritten or resized: the data on it may be someone's.

use async_trait::async_trait;
use serde::Deserialize;

use crate::connection::Command;
use crate::modules::action::Action;
use crate::modules::contract::{Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QemuImg {
    path: String,
    /// As qemu-img takes it: `40G`, `512M`.
    size: String,
    #[serde(default = "qcow2")]
    format: String,
    backing_file: Option<String>,
    #[serde(default = "qcow2")]
    backing_format: String,
}

pub fn qcow2() -> String {
    "qcow2".into()
}

impl Action for QemuImg {
    const NAME: &'static str = "qemu_img";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for QemuImg {
    type Plan = ();

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Self::Plan>, ModuleError> {
        if host.stat(&self.path).await?.is_some() {
            return Ok(Check::Ok(Outcome::msg(format!(
                "{} exists (never overwritten)",
                self.path
            ))));
        }
        let on = self.backing_file.as_ref().map(|b| format!(" on {b}")).unwrap_or_default();
        Ok(Check::change(format!("create {} ({} {}{on})", self.path, self.format, self.size)))
    }

    async fn apply(
        &self,
        _plan: Self::Plan,
        host: &HostWriter<'_>,
    ) -> Result<Outcome, ModuleError> {
        // Made under a temporary name and renamed: a failed or killed create leaves no image
        // that a rerun would take for finished.
        let partial = format!("{}.numarun-partial", self.path);
        let mut argv = vec![
            "qemu-img".to_string(),
            "create".into(),
            "-q".into(),
            "-f".into(),
            self.format.clone(),
        ];
        if let Some(backing) = &self.backing_file {
            argv.extend(["-b".into(), backing.clone(), "-F".into(), self.backing_format.clone()]);
        }
        argv.extend([partial.clone(), self.size.clone()]);
        let created = host.run(Command::argv(argv)).await?;
        if created.rc != 0 {
            host.remove(&partial).await?;
            return Err(ModuleError::failed(format!("qemu-img create: {}", created.stderr_text())));
        }
        let moved = host
            .run(Command::argv(["mv", "-n", "--", partial.as_str(), self.path.as_str()]))
            .await?;
        if moved.rc != 0 {
            return Err(ModuleError::failed(format!("mv {partial}: {}", moved.stderr_text())));
        }
        Ok(Outcome::default())
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Creates a disk image (qcow2, optionally over a backing file) unless one is there.",
    check_mode: CheckMode::Predicts,
    diff: false,
    returns: &[],
    example: "- qemu_img: { path: /var/lib/libvirt/images/hot.qcow2, size: 20G }",
};
