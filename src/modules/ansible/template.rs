//! `template`: a Jinja file from the controller, rendered with the host's variables.

use async_trait::async_trait;
use serde::Deserialize;

use crate::modules::contract::{Cx, ModuleError};
use crate::modules::support::attrs::{FileAttrs, Mode};
use crate::modules::support::content::{self, ManagedFile, Plan};

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
        FileAttrs { mode: self.mode, owner: self.owner.clone(), group: self.group.clone() }
    }

    async fn plan(&self, cx: &Cx<'_>) -> Result<Plan, ModuleError> {
        let source = cx.find_source(&self.src, "templates")?;
        let text =
            crate::text_file::read(&source).map_err(|e| ModuleError::Failed(format!("cannot read template {}: {e}", source.display())))?;
        let desired = cx.scope.render_file(&source.display().to_string(), &text)?.into_bytes();
        let (stat, before) = content::current(cx, &self.dest).await?;
        Ok(Plan { path: self.dest.clone(), stat, before, desired: Some(desired), make_parents: false })
    }
}
