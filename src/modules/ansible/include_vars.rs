//! `include_vars`: variables for the host from YAML or JSON files on the controller (`file`, or
//! every file of a `dir`, sorted, as Ansible reads them), kept as written so that their Jinja is
//! templated when read, as Ansible's are. A vaulted file is decrypted (and its values secret).

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use crate::diag::Diag;
use crate::modules::action::Action;
use crate::modules::contract::{Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::vars::{VarMap, VarValue};
use crate::yaml::{self, Node, NodeKind};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IncludeVars {
    file: Option<String>,
    dir: Option<String>,
    /// All the variables under this one name, as a mapping.
    name: Option<String>,
    /// With `dir`: only files whose name matches this regular expression.
    files_matching: Option<String>,
    /// With `dir`: names to leave out.
    #[serde(default)]
    ignore_files: Vec<String>,
    #[serde(default = "extensions")]
    extensions: Vec<String>,
    /// With `dir`: how deep to go (0: all the way).
    #[serde(default)]
    depth: usize,
    #[serde(default)]
    ignore_unknown_extensions: bool,
    /// KeeperClient for Ansible's playbooks; the variables are the host's either way.
    #[allow(dead_code)]
    hash_behaviour: Option<String>,
}

fn extensions() -> Vec<String> {
    ["yaml", "yml", "json"].map(String::from).to_vec()
}

impl Action for IncludeVars {
    const NAME: &'static str = "include_vars";
    const FREE_FORM: Option<&'static str> = Some("file");
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for IncludeVars {
    type Plan = ();

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        match (&self.file, &self.dir) {
            (Some(_), Some(_)) => Err(Diag::invalid(&args.span, "give `file` or `dir`, not both")),
            (None, None) => Err(Diag::invalid(&args.span, "`include_vars` needs `file` or `dir`")),
            _ => Ok(()),
        }
    }

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Self::Plan>, ModuleError> {
        let files = match (&self.file, &self.dir) {
            (Some(file), _) => vec![host.find_source(file, "vars")?],
            (None, Some(dir)) => self.files_in(&host.find_source_folder(dir, "vars")?)?,
            (None, None) => {
                return Err(ModuleError::failed("`include_vars` needs `file` or `dir`"));
            }
        };
        let mut vars = VarMap::default();
        let mut named: Option<Node> = None;
        for file in &files {
            let root = yaml::load_file(file)?;
            vars.extend(VarMap::from_node(&root)?);
            named = Some(match (named, root.kind) {
                (Some(Node { kind: NodeKind::Map(mut entries), span }), NodeKind::Map(more)) => {
                    // A later file's variable replaces an earlier one's.
                    entries.retain(|(k, _)| !more.iter().any(|(m, _)| m.as_str() == k.as_str()));
                    entries.extend(more);
                    Node::new(NodeKind::Map(entries), span)
                }
                (_, kind) => Node::new(kind, root.span),
            });
        }
        if let (Some(name), Some(node)) = (&self.name, named) {
            vars = VarMap::default();
            vars.0.insert(name.clone(), VarValue::Written(node));
        }
        let shown: Vec<Value> =
            files.iter().map(|f| Value::from(f.display().to_string())).collect();
        Ok(Check::Ok(Outcome {
            data: vec![("ansible_included_var_files".into(), Value::from(shown))],
            vars,
            ..Outcome::default()
        }))
    }
}

impl IncludeVars {
    /// The variable files under `dir`, in Ansible's order: sorted by path, folders descended.
    fn files_in(&self, dir: &Path) -> Result<Vec<PathBuf>, ModuleError> {
        let matching = match &self.files_matching {
            Some(pattern) => Some(
                regex::Regex::new(pattern)
                    .map_err(|e| ModuleError::failed(format!("files_matching `{pattern}`: {e}")))?,
            ),
            None => None,
        };
        let mut found = Vec::new();
        let mut folders = vec![(dir.to_path_buf(), 1)];
        while let Some((folder, depth)) = folders.pop() {
            let entries = std::fs::read_dir(&folder)
                .map_err(|e| ModuleError::failed(format!("{}: {e}", folder.display())))?;
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    if self.depth == 0 || depth < self.depth {
                        folders.push((path, depth + 1));
                    }
                    continue;
                }
                let name = entry.file_name().to_string_lossy().into_owned();
                let known = path
                    .extension()
                    .is_some_and(|e| self.extensions.iter().any(|x| *x == e.to_string_lossy()));
                if self.ignore_files.contains(&name)
                    || matching.as_ref().is_some_and(|m| !m.is_match(&name))
                {
                    continue;
                }
                if !known {
                    if self.ignore_unknown_extensions {
                        continue;
                    }
                    return Err(ModuleError::failed(format!(
                        "{} does not end in one of {} (ignore_unknown_extensions: true skips it)",
                        path.display(),
                        self.extensions.join(", ")
                    )));
                }
                found.push(path);
            }
        }
        found.sort();
        Ok(found)
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Reads variables from a YAML file or a folder of them, optionally under one `name`.",
    check_mode: CheckMode::Runs,
    diff: false,
    returns: &[("ansible_included_var_files", "the files read")],
    example: "- include_vars: { file: vars/main.yaml, name: settings }",
};
