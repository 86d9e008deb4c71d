//! `template`: a Jinja file from the controller, rendered with the host's variables.

use async_trait::async_trait;
use serde::Deserialize;

use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::support::attrs::{FileAttrs, Mode};
use crate::modules::support::content::{self, ManagedFile, Wanted};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateModule {
    src: String,
    dest: String,
    mode: Option<Mode>,
    owner: Option<String>,
    group: Option<String>,
}

#[async_trait]
impl ManagedFile for TemplateModule {
    fn managed_path(&self) -> Option<&str> {
        Some(&self.dest)
    }

    fn attrs(&self) -> FileAttrs {
        FileAttrs { mode: self.mode.clone(), owner: self.owner.clone(), group: self.group.clone() }
    }

    async fn wanted(&self, host: &HostReader<'_>) -> Result<Wanted, ModuleError> {
        let source = host.find_source(&self.src, "templates")?;
        let text = crate::text_file::read(&source)?;
        let desired = host.scope.render_file(&source.display().to_string(), &text)?.into_bytes();
        let (stat, before) = content::current(host, &self.dest).await?;
        Ok(Wanted {
            path: self.dest.clone(),
            stat,
            before,
            desired: Some(desired),
            make_parents: false,
        })
    }
}
