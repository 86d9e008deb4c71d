//! `tempfile`: a new, private temporary file or folder on the host (`mktemp`), its path in the
//! result. Each run makes a new one, so it always changes; a dry run says so and makes none.

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use crate::diag::Diag;
use crate::modules::action::Action;
use crate::modules::change_scripts;
use crate::modules::contract::{Change, Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::yaml::Node;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TempFile {
    #[serde(default)]
    state: Kind,
    /// The folder to make it in; the host's `$TMPDIR` or `/tmp` by default.
    path: Option<String>,
    #[serde(default = "default_prefix")]
    prefix: String,
    #[serde(default)]
    suffix: String,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Kind {
    #[default]
    File,
    Directory,
}

fn default_prefix() -> String {
    "ansible.".into()
}

impl Action for TempFile {
    const NAME: &'static str = "tempfile";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for TempFile {
    type Plan = ();

    async fn check(&self, _host: &HostReader<'_>) -> Result<Check<()>, ModuleError> {
        let what = match self.state {
            Kind::File => "file",
            Kind::Directory => "directory",
        };
        let place = self.path.as_deref().unwrap_or("$TMPDIR");
        Ok(Check::Always(Change::new(format!("make a temporary {what} in {place}")), ()))
    }

    async fn apply(&self, _plan: (), host: &HostWriter<'_>) -> Result<Outcome, ModuleError> {
        let mut argv: Vec<String> = Vec::new();
        if self.state == Kind::Directory {
            argv.push("-d".into());
        }
        if !self.suffix.is_empty() {
            argv.push(format!("--suffix={}", self.suffix));
        }
        argv.extend(["--".into(), format!("{}XXXXXXXX", self.prefix)]);
        let mut mktemp = change_scripts::MKTEMP.command(argv);
        mktemp.env.push(("IN".into(), self.path.clone().unwrap_or_default()));
        let path = host.stdout_of(mktemp, "mktemp").await?;
        Ok(Outcome { data: vec![("path".into(), Value::from(path))], ..Outcome::default() })
    }

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        for (name, part) in [("prefix", &self.prefix), ("suffix", &self.suffix)] {
            if part.contains('/') {
                return Err(Diag::invalid(
                    args.get(name).map_or(&args.span, |n| &n.span),
                    format!("{name} must be a file name, not a path: `{part}`"),
                ));
            }
        }
        Ok(())
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Makes a new temporary file or folder on the host (predicted under --check, not made).",
    check_mode: CheckMode::AlwaysChanges,
    diff: false,
    returns: &[("path", "what was made")],
    example: "- tempfile: { state: directory, suffix: build }",
};
