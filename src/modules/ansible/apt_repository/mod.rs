//! `apt_repository`: a one-line APT source present (enabled where it stands commented out,
//! else added to a file of its own) or absent from every file, as ansible-core edits them,
//! then APT's lists refreshed; a refresh that fails puts the files back and fails the step.
//! PPAs (`ppa:…`) are refused: their keys and addresses come from Launchpad over the network.

mod sources;

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use crate::connection::{Attrs, Command};
use crate::diag::Diag;
use crate::events::TextDiff;
use crate::modules::action::Action;
use crate::modules::contract::{Change, Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::modules::probe::{Probe, scripts};
use crate::modules::support::attrs::Mode;
use crate::modules::support::lines::Presence;
use crate::yaml::Node;
use sources::{SourceLine, parse_file, render_file, suggested_file_name};

const MAIN_LIST: &str = "/etc/apt/sources.list";
const PARTS: &str = "/etc/apt/sources.list.d";

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AptRepository {
    repo: String,
    #[serde(default)]
    state: Presence,
    /// The file for a new source, without `.list` (in `sources.list.d` unless it has a `/`).
    filename: Option<String>,
    /// A new file's mode (0644 without it).
    mode: Option<Mode>,
    #[serde(default = "yes", alias = "update-cache")]
    #[schemars(extend("x-aliases" = ["update-cache"]))]
    update_cache: bool,
    /// Accepted for ansible-core's playbooks; a failed refresh is not retried.
    #[serde(default, rename = "update_cache_retries")]
    _update_cache_retries: Option<u32>,
    #[serde(default, rename = "update_cache_retry_max_delay")]
    _update_cache_retry_max_delay: Option<u32>,
    #[serde(default, rename = "install_python_apt")]
    _install_python_apt: Option<bool>,
    #[serde(default, rename = "validate_certs")]
    _validate_certs: Option<bool>,
    #[serde(default, rename = "codename")]
    _codename: Option<String>,
}

fn yes() -> bool {
    true
}

/// A source file as it is, and as the step leaves it (`None`: absent).
#[derive(Debug)]
struct FileEdit {
    path: String,
    before: Option<String>,
    after: Option<String>,
}

/// The files to write, remove or make, and whether to refresh APT's lists after.
#[derive(Debug)]
pub struct AptRepositoryPlan {
    edits: Vec<FileEdit>,
    mode: u32,
    update_cache: bool,
}

impl AptRepository {
    /// Every one-line source file on the host, with its text.
    async fn source_files(
        &self,
        host: &HostReader<'_>,
    ) -> Result<Vec<(String, String)>, ModuleError> {
        let parts = host
            .probe_stdout(Probe::script(&scripts::APT_LIST_FILES, [PARTS]), "listing sources")
            .await?;
        let mut files = Vec::new();
        for path in std::iter::once(MAIN_LIST).chain(parts.lines()) {
            if let Some(bytes) = host.read(path).await? {
                files.push((path.to_string(), String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
        Ok(files)
    }

    /// The file a new source goes in.
    fn new_file(&self, source: &str) -> String {
        let name = match &self.filename {
            Some(name) => format!("{name}.list"),
            None => suggested_file_name(source),
        };
        match name.contains('/') {
            true => name,
            false => format!("{PARTS}/{name}"),
        }
    }
}

impl Action for AptRepository {
    const NAME: &'static str = "apt_repository";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for AptRepository {
    type Plan = AptRepositoryPlan;

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Self::Plan>, ModuleError> {
        let wanted = SourceLine::parse(&self.repo);
        let source = wanted.source.as_str();
        let mut found = false;
        let mut edits = Vec::new();
        for (path, text) in self.source_files(host).await? {
            let mut lines = parse_file(&text);
            let matching = |l: &SourceLine| l.valid && l.source == source;
            found |= lines.iter().any(matching);
            match self.state {
                Presence::Present => {
                    lines.iter_mut().filter(|l| matching(l)).for_each(|l| l.enabled = true)
                }
                Presence::Absent => lines.retain(|l| !(matching(l) && l.enabled)),
            }
            // Compared as ansible-core compares them: as it would write them.
            let before = render_file(&parse_file(&text));
            let after = render_file(&lines);
            if after != before {
                edits.push(FileEdit { path, before: Some(text), after });
            }
        }
        if self.state == Presence::Present && !found {
            let path = self.new_file(source);
            let before = host.read(&path).await?.map(|b| String::from_utf8_lossy(&b).into_owned());
            let mut lines = before.as_deref().map(parse_file).unwrap_or_default();
            lines.push(SourceLine { enabled: true, ..wanted.clone() });
            edits.push(FileEdit { path, before, after: render_file(&lines) });
        }
        if edits.is_empty() {
            return Ok(Check::Ok(self.outcome(&[])));
        }
        let summary = edits
            .iter()
            .map(|e| match (&e.before, &e.after) {
                (None, _) => format!("create {}", e.path),
                (_, None) => format!("remove {}", e.path),
                _ => format!("edit {}", e.path),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let diff = edits.first().map(|e| TextDiff {
            path: e.path.clone(),
            before: e.before.clone().unwrap_or_default(),
            after: e.after.clone().unwrap_or_default(),
        });
        let mode = self.mode.as_ref().map_or(0o644, |m| m.bits(None, false));
        let plan = AptRepositoryPlan { edits, mode, update_cache: self.update_cache };
        Ok(Check::Change(Change { summary, diff }, plan))
    }

    async fn apply(
        &self,
        plan: AptRepositoryPlan,
        host: &HostWriter<'_>,
    ) -> Result<Outcome, ModuleError> {
        let set = |edit: &FileEdit, text: Option<&String>| {
            let mode = if edit.before.is_none() { Some(plan.mode) } else { None };
            (edit.path.clone(), text.cloned(), Attrs { mode, ..Attrs::default() })
        };
        for (path, text, attrs) in plan.edits.iter().map(|e| set(e, e.after.as_ref())) {
            write_or_remove(host, &path, text.as_deref(), attrs).await?;
        }
        if plan.update_cache {
            let update = Command::argv(["apt-get", "update", "-q"]);
            let output = host.run(update).await?;
            if output.rc != 0 {
                // As ansible-core does: the sources as they were, and the step failed.
                for (path, text, attrs) in plan.edits.iter().map(|e| set(e, e.before.as_ref())) {
                    write_or_remove(host, &path, text.as_deref(), attrs).await?;
                }
                return Err(ModuleError::failed(format!(
                    "Failed to update apt cache: {}",
                    output.stderr_text().trim()
                )));
            }
        }
        let touched: Vec<&FileEdit> = plan.edits.iter().collect();
        Ok(self.outcome(&touched))
    }

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        if self.repo.starts_with("ppa:") {
            return Err(Diag::invalid(
                &args.span,
                "PPAs are not supported: their keys and addresses come from Launchpad; give the \
                 `deb` line and its key (deb822_repository's signed_by)",
            ));
        }
        let line = SourceLine::parse(&self.repo);
        if !line.valid || !line.enabled {
            return Err(Diag::invalid(
                &args.span,
                format!("Invalid repository string: {} (a `deb` or `deb-src` line)", self.repo),
            ));
        }
        Ok(())
    }
}

impl AptRepository {
    /// ansible-core's result: the repo, the state, the files made and removed.
    fn outcome(&self, edits: &[&FileEdit]) -> Outcome {
        let files = |made: bool| {
            let paths: Vec<Value> = edits
                .iter()
                .filter(|e| if made { e.before.is_none() } else { e.after.is_none() })
                .map(|e| Value::from(e.path.clone()))
                .collect();
            Value::from(paths)
        };
        let state = match self.state {
            Presence::Present => "present",
            Presence::Absent => "absent",
        };
        Outcome {
            data: vec![
                ("repo".into(), Value::from(self.repo.clone())),
                ("state".into(), Value::from(state)),
                ("sources_added".into(), files(true)),
                ("sources_removed".into(), files(false)),
            ],
            ..Outcome::default()
        }
    }
}

async fn write_or_remove(
    host: &HostWriter<'_>,
    path: &str,
    text: Option<&str>,
    attrs: Attrs,
) -> Result<(), ModuleError> {
    match text {
        Some(text) => host.write(path, text.as_bytes(), attrs).await?,
        None => host.remove(path).await?,
    }
    Ok(())
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Adds, enables or removes an APT source line in a file of its own.",
    check_mode: CheckMode::Predicts,
    diff: true,
    returns: &[
        ("repo", "the source line"),
        ("state", "present or absent"),
        ("sources_added", "files written"),
        ("sources_removed", "files removed"),
    ],
    example: "- apt_repository: { repo: 'deb http://deb.example.net/debian bookworm main', filename: example, update_cache: false }",
};
