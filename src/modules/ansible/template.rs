//! `template`: a Jinja file from the controller, rendered with the host's variables.

use async_trait::async_trait;
use serde::Deserialize;

use crate::diag::Diag;
use crate::modules::action::Action;
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::support::attrs::{FileAttrs, Mode};
use crate::modules::support::content::{self, ManagedFile, WantedFile};
use crate::modules::support::safe_write::Safety;
use crate::template::Whitespace;
use crate::yaml::Node;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateModule {
    src: String,
    dest: String,
    #[serde(default = "yes")]
    trim_blocks: bool,
    #[serde(default)]
    lstrip_blocks: bool,
    #[serde(default)]
    newline_sequence: NewlineSequence,
    /// Only `utf-8` (numarun's templates are UTF-8 text).
    output_encoding: Option<String>,
    /// Keep the replaced file beside it (`backup_file` in the result).
    #[serde(default)]
    backup: bool,
    /// A command that must accept the new file (`%s`) before it replaces the old.
    validate: Option<String>,
    /// Accepted for Ansible's playbooks; every write is atomic anyway.
    #[serde(default, rename = "unsafe_writes")]
    _unsafe_writes: bool,
    mode: Option<Mode>,
    owner: Option<String>,
    group: Option<String>,
}

fn yes() -> bool {
    true
}

/// The line end the rendered file is written with: the characters, or as playbooks usually
/// write them, escaped (`'\r\n'`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
enum NewlineSequence {
    #[default]
    #[serde(rename = "\n", alias = "\\n")]
    #[schemars(extend("x-aliases" = ["\\n"]))]
    Lf,
    #[serde(rename = "\r\n", alias = "\\r\\n")]
    #[schemars(extend("x-aliases" = ["\\r\\n"]))]
    CrLf,
    #[serde(rename = "\r", alias = "\\r")]
    #[schemars(extend("x-aliases" = ["\\r"]))]
    Cr,
}

impl NewlineSequence {
    fn text(self) -> &'static str {
        match self {
            NewlineSequence::Lf => "\n",
            NewlineSequence::CrLf => "\r\n",
            NewlineSequence::Cr => "\r",
        }
    }
}

impl Action for TemplateModule {
    const NAME: &'static str = "template";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl ManagedFile for TemplateModule {
    fn managed_path(&self) -> Option<&str> {
        Some(&self.dest)
    }

    fn safety(&self) -> Safety {
        Safety::new(self.backup, self.validate.clone())
    }

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        match self.output_encoding.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("utf-8" | "utf8") => Ok(()),
            Some(other) => Err(Diag::invalid(
                args.get("output_encoding").map_or(&args.span, |n| &n.span),
                format!(
                    "output_encoding `{other}` is not supported: templates are written as utf-8"
                ),
            )),
        }
    }

    fn attrs(&self) -> FileAttrs {
        FileAttrs { mode: self.mode.clone(), owner: self.owner.clone(), group: self.group.clone() }
    }

    async fn wanted(&self, host: &HostReader<'_>) -> Result<WantedFile, ModuleError> {
        let source = host.find_source(&self.src, "templates")?;
        let text = crate::text_file::read(&source)?;
        let whitespace =
            Whitespace { trim_blocks: self.trim_blocks, lstrip_blocks: self.lstrip_blocks };
        let rendered = host.scope.render_file(&source.display().to_string(), &text, whitespace)?;
        let desired = match self.newline_sequence {
            NewlineSequence::Lf => rendered,
            other => rendered.replace('\n', other.text()),
        }
        .into_bytes();
        let (stat, before) = content::current(host, &self.dest).await?;
        Ok(WantedFile {
            path: self.dest.clone(),
            stat,
            before,
            desired: Some(desired),
            make_parents: false,
        })
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Renders a Jinja template from the controller into a file on the host.",
    check_mode: CheckMode::Predicts,
    diff: true,
    returns: &[],
    example: "- template: { src: nginx.conf.j2, dest: /etc/nginx/nginx.conf, mode: '0644', validate: 'nginx -t -c %s' }",
};
