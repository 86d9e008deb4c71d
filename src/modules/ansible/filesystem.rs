//! `filesystem`: a filesystem made on a block device, once. A device that already carries any
//! signature (a filesystem, a partition table, a RAID or LVM member) other than the one asked for
//! is refused unless `force: true`: mkfs over data is the one mistake no rerun can undo.

use async_trait::async_trait;
use serde::Deserialize;

use crate::connection::Command;
use crate::diag::Diag;
use crate::modules::action::Action;
use crate::modules::contract::{Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::modules::probe::{Probe, ReadOnlyProgram};
use crate::yaml::Node;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Filesystem {
    #[serde(alias = "device")]
    #[schemars(extend("x-aliases" = ["device"]))]
    dev: String,
    #[serde(alias = "fs", alias = "type")]
    #[schemars(extend("x-aliases" = ["fs", "type"]))]
    fstype: String,
    /// The label it is made with, and checked against (numarun's; Ansible puts it in `opts`).
    label: Option<String>,
    /// More mkfs options, as words.
    opts: Option<String>,
    /// Make the filesystem even over the signature the device holds.
    #[serde(default)]
    force: bool,
}

/// What the device holds now, as blkid's low-level probe reports it.
#[derive(Debug, Default, PartialEq)]
struct Signature {
    fstype: Option<String>,
    label: Option<String>,
    partition_table: Option<String>,
}

impl Signature {
    fn is_empty(&self) -> bool {
        self.fstype.is_none() && self.partition_table.is_none()
    }

    fn describe(&self) -> String {
        match (&self.fstype, &self.partition_table) {
            (_, Some(table)) => format!("a {table} partition table"),
            (Some(fstype), None) => match &self.label {
                Some(label) => format!("{fstype} labelled `{label}`"),
                None => format!("{fstype} without a label"),
            },
            (None, None) => "nothing".into(),
        }
    }
}

impl Filesystem {
    async fn signature(&self, host: &HostReader<'_>) -> Result<Signature, ModuleError> {
        if host.stat(&self.dev).await?.is_none() {
            return Err(ModuleError::failed(format!("{} does not exist", self.dev)));
        }
        // -p reads the device itself, not a cache: a signature written a moment ago counts.
        let output = host
            .probe(Probe::program(
                ReadOnlyProgram::Blkid,
                ["-o", "export", "--", self.dev.as_str()],
            ))
            .await?;
        match output.rc {
            0 => {}
            2 => return Ok(Signature::default()),
            _ => {
                return Err(ModuleError::failed(format!(
                    "blkid {}: {}",
                    self.dev,
                    output.stderr_text()
                )));
            }
        }
        let mut found = Signature::default();
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            match line.split_once('=') {
                Some(("TYPE", value)) => found.fstype = Some(value.to_string()),
                Some(("LABEL", value)) => found.label = Some(value.to_string()),
                Some(("PTTYPE", value)) => found.partition_table = Some(value.to_string()),
                _ => {}
            }
        }
        Ok(found)
    }

    fn is_wanted(&self, found: &Signature) -> bool {
        found.partition_table.is_none()
            && found.fstype.as_deref() == Some(self.fstype.as_str())
            && (self.label.is_none() || found.label == self.label)
    }

    fn wanted(&self) -> String {
        match &self.label {
            Some(label) => format!("{} labelled `{label}`", self.fstype),
            None => self.fstype.clone(),
        }
    }

    fn mkfs(&self) -> Result<Command, ModuleError> {
        let mut argv = vec!["mkfs".to_string(), "-t".into(), self.fstype.clone()];
        if self.force {
            // ext* asks before overwriting a filesystem; xfs and btrfs refuse outright.
            argv.push(if self.fstype.starts_with("ext") { "-F" } else { "-f" }.into());
        }
        if let Some(label) = &self.label {
            argv.extend(["-L".to_string(), label.clone()]);
        }
        if let Some(opts) = &self.opts {
            argv.extend(
                crate::connection::shell_words::split(opts)
                    .map_err(|e| ModuleError::failed(format!("opts: {e}")))?,
            );
        }
        argv.push(self.dev.clone());
        Ok(Command::argv(argv))
    }

    /// The plan for what is on the device: nothing to do, a change, or a refusal.
    fn decide(&self, found: &Signature) -> Result<Option<String>, ModuleError> {
        if self.is_wanted(found) {
            return Ok(None);
        }
        if found.is_empty() {
            return Ok(Some(format!("make {} on {}", self.wanted(), self.dev)));
        }
        if self.force {
            return Ok(Some(format!(
                "replace {} on {} with {} (force)",
                found.describe(),
                self.dev,
                self.wanted()
            )));
        }
        Err(ModuleError::failed(format!(
            "{} already holds {}, not {}: numarun makes a filesystem only on an empty device \
             (force: true replaces it and everything on it)",
            self.dev,
            found.describe(),
            self.wanted()
        )))
    }
}

impl Action for Filesystem {
    const NAME: &'static str = "filesystem";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for Filesystem {
    type Plan = ();

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Self::Plan>, ModuleError> {
        let found = self.signature(host).await?;
        Ok(match self.decide(&found)? {
            None => Check::Ok(Outcome::msg(format!("{} holds {}", self.dev, found.describe()))),
            Some(summary) => Check::change(summary),
        })
    }

    async fn apply(&self, _: (), host: &HostWriter<'_>) -> Result<Outcome, ModuleError> {
        // Read again right before mkfs, on purpose: mkfs destroys, and the refusal must hold even
        // if the device changed since the check.
        if self.decide(&self.signature(host).await?)?.is_some() {
            host.run_ok(self.mkfs()?, &format!("mkfs on {}", self.dev)).await?;
        }
        Ok(Outcome::default())
    }

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        if !self.dev.starts_with('/') {
            return Err(Diag::invalid(
                &args.span,
                format!("`dev` must be a device path such as /dev/vdb, not `{}`", self.dev),
            ));
        }
        if self.fstype.is_empty() || !self.fstype.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Diag::invalid(
                &args.span,
                format!("`{}` is not a filesystem type such as ext4", self.fstype),
            ));
        }
        Ok(())
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Makes a filesystem on a device that has none; refuses one that has another unless forced.",
    check_mode: CheckMode::Predicts,
    diff: false,
    returns: &[],
    example: "- filesystem: { dev: /dev/vdb, fstype: ext4, opts: -L hot }",
};
