//! `slurp`: a file of the host, base64-encoded into the registered result (`content`), read
//! through the connection's read cache like any check's read.

use async_trait::async_trait;
use base64::Engine as _;
use minijinja::Value;
use serde::Deserialize;

use crate::connection::{FileKind, PlannedRead};
use crate::modules::action::Action;
use crate::modules::contract::{Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Slurp {
    #[serde(alias = "path")]
    #[schemars(extend("x-aliases" = ["path"]))]
    src: String,
}

impl Action for Slurp {
    const NAME: &'static str = "slurp";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for Slurp {
    type Plan = ();

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<()>, ModuleError> {
        let src = &self.src;
        let content = match host.inspect(src).await? {
            None => return Err(ModuleError::failed(format!("File not found: {src}"))),
            Some((stat, _)) if stat.kind == FileKind::Directory => {
                return Err(ModuleError::failed(format!(
                    "Source is a directory and must be a file: {src}"
                )));
            }
            Some((_, None)) => {
                return Err(ModuleError::failed(format!("File is not readable: {src}")));
            }
            Some((_, Some(content))) => content,
        };
        let encoded = base64::engine::general_purpose::STANDARD.encode(content);
        Ok(Check::Ok(Outcome {
            data: vec![
                ("content".into(), Value::from(encoded)),
                ("source".into(), Value::from(src.as_str())),
                ("encoding".into(), Value::from("base64")),
            ],
            ..Outcome::default()
        }))
    }

    fn planned_reads(&self) -> Vec<PlannedRead> {
        vec![PlannedRead { path: self.src.clone(), content: true }]
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Reads a file from the host, base64-encoded.",
    check_mode: CheckMode::Runs,
    diff: false,
    returns: &[("content", "the bytes, base64"), ("encoding", "base64"), ("source", "the path")],
    example: "- slurp: { src: /etc/hostname }",
};
