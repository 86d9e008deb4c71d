//! `deb822_repository`: an APT source as a deb822 `.sources` file, written as ansible-core
//! writes it (fields in the order of their argument names, `yes`/`no`, lists joined by spaces,
//! a key given inline as an indented block), or removed with the keyrings it named. A
//! `signed_by` URL is refused: download the key with `get_url` and give its path.

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use crate::connection::PlannedRead;
use crate::diag::Diag;
use crate::modules::action::Action;
use crate::modules::contract::{Change, Check, Module, OneOrMany, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::modules::support::attrs::{FileAttrs, Mode};
use crate::modules::support::content::{self, FileWrite, WantedFile};
use crate::modules::support::lines::Presence;
use crate::yaml::Node;

const KEYRINGS: &str = "/etc/apt/keyrings";

/// An argument ansible-core takes as a list: a list, or one string split at its commas.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(transparent)]
struct Words(OneOrMany<String>);

impl Words {
    fn joined(&self) -> String {
        let words: Vec<&str> = match &self.0 {
            OneOrMany::One(text) => text.split(',').map(str::trim).collect(),
            OneOrMany::Many(items) => items.iter().map(String::as_str).collect(),
        };
        words.join(" ")
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Deb822Repository {
    name: String,
    #[serde(default)]
    state: Presence,
    /// The `.sources` file's mode (0644 by default).
    mode: Option<Mode>,
    types: Option<Words>,
    uris: Option<Words>,
    suites: Option<Words>,
    components: Option<Words>,
    architectures: Option<Words>,
    languages: Option<Words>,
    targets: Option<Words>,
    signed_by: Option<String>,
    allow_downgrade_to_insecure: Option<bool>,
    allow_insecure: Option<bool>,
    allow_weak: Option<bool>,
    by_hash: Option<bool>,
    check_date: Option<bool>,
    check_valid_until: Option<bool>,
    enabled: Option<bool>,
    pdiffs: Option<bool>,
    trusted: Option<bool>,
    date_max_future: Option<i64>,
    inrelease_path: Option<String>,
    /// Accepted for ansible-core's playbooks: numarun needs no Python on the host.
    #[serde(default, rename = "install_python_debian")]
    _install_python_debian: Option<bool>,
}

/// A `.sources` file written, or files removed.
#[derive(Debug)]
pub enum Deb822Plan {
    Write(FileWrite),
    Remove(Vec<String>),
}

/// ansible-core's file name for a source: lower case, runs of `_` and blanks a `-`, anything
/// else but letters, digits and `-` dropped.
fn slug(name: &str) -> String {
    let lower = name.to_lowercase();
    let dashed = regex::Regex::new(r"[_\s]+").expect("regex").replace_all(&lower, "-");
    dashed.chars().filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-').collect()
}

/// A field's value on lines of its own, as ansible-core indents one (a key given inline).
fn multiline(value: &str) -> String {
    let lines: Vec<String> = value
        .trim()
        .lines()
        .map(|line| match line.trim() {
            "" => "    .".to_string(),
            text => format!("    {text}"),
        })
        .collect();
    format!("\n{}", lines.join("\n"))
}

impl Deb822Repository {
    fn sources_file(&self) -> String {
        format!("/etc/apt/sources.list.d/{}.sources", slug(&self.name))
    }

    /// The file's text: one `Field: value` a given argument, in the order of their names.
    fn render(&self) -> String {
        let flag = |v: Option<bool>| v.map(|b| if b { "yes" } else { "no" }.to_string());
        let words = |w: &Option<Words>| w.as_ref().map(Words::joined);
        let types = words(&self.types).unwrap_or_else(|| "deb".into());
        let fields: [(&str, Option<String>); 20] = [
            ("Allow-Downgrade-To-Insecure", flag(self.allow_downgrade_to_insecure)),
            ("Allow-Insecure", flag(self.allow_insecure)),
            ("Allow-Weak", flag(self.allow_weak)),
            ("Architectures", words(&self.architectures)),
            ("By-Hash", flag(self.by_hash)),
            ("Check-Date", flag(self.check_date)),
            ("Check-Valid-Until", flag(self.check_valid_until)),
            ("Components", words(&self.components)),
            ("Date-Max-Future", self.date_max_future.map(|n| n.to_string())),
            ("Enabled", flag(self.enabled)),
            ("Inrelease-Path", self.inrelease_path.clone()),
            ("Languages", words(&self.languages)),
            ("X-Repolib-Name", Some(self.name.clone())),
            ("Pdiffs", flag(self.pdiffs)),
            ("Signed-By", self.signed_by.clone()),
            ("Suites", words(&self.suites)),
            ("Targets", words(&self.targets)),
            ("Trusted", flag(self.trusted)),
            ("Types", Some(types)),
            ("URIs", words(&self.uris)),
        ];
        let mut text = String::new();
        for (field, value) in fields {
            let Some(mut value) = value else { continue };
            if value.contains('\n') {
                value = multiline(&value);
            }
            match value.is_empty() || value.starts_with('\n') {
                true => text.push_str(&format!("{field}:{value}\n")),
                false => text.push_str(&format!("{field}: {value}\n")),
            }
        }
        text
    }

    fn outcome(&self, repo: Option<String>) -> Outcome {
        Outcome {
            data: vec![
                ("repo".into(), repo.map(Value::from).unwrap_or(Value::from(()))),
                ("dest".into(), Value::from(self.sources_file())),
                ("key_filename".into(), Value::from(())),
            ],
            ..Outcome::default()
        }
    }
}

impl Action for Deb822Repository {
    const NAME: &'static str = "deb822_repository";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for Deb822Repository {
    type Plan = Deb822Plan;

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Deb822Plan>, ModuleError> {
        let path = self.sources_file();
        if self.state == Presence::Absent {
            let mut present = Vec::new();
            let slug = slug(&self.name);
            for candidate in
                [path, format!("{KEYRINGS}/{slug}.asc"), format!("{KEYRINGS}/{slug}.gpg")]
            {
                if host.stat(&candidate).await?.is_some() {
                    present.push(candidate);
                }
            }
            if present.is_empty() {
                return Ok(Check::Ok(self.outcome(None)));
            }
            let change = Change::new(format!("remove {}", present.join(", ")));
            return Ok(Check::Change(change, Deb822Plan::Remove(present)));
        }
        let (stat, before) = content::current(host, &path).await?;
        let wanted = WantedFile {
            path,
            stat,
            before,
            desired: Some(self.render().into_bytes()),
            make_parents: false,
        };
        let attrs = FileAttrs {
            mode: Some(self.mode.clone().unwrap_or(Mode::Bits(0o644))),
            owner: None,
            group: None,
        };
        Ok(match content::check(host, &wanted, &attrs).await? {
            Check::Ok(_) => Check::Ok(self.outcome(Some(self.render()))),
            other => other.map_plan(Deb822Plan::Write),
        })
    }

    async fn apply(&self, plan: Deb822Plan, host: &HostWriter<'_>) -> Result<Outcome, ModuleError> {
        match plan {
            Deb822Plan::Write(write) => {
                content::write(host, write).await?;
                Ok(self.outcome(Some(self.render())))
            }
            Deb822Plan::Remove(paths) => {
                for path in paths {
                    host.remove(&path).await?;
                }
                Ok(self.outcome(None))
            }
        }
    }

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        let url = self.signed_by.as_deref().is_some_and(|s| {
            s.split_once("://").is_some_and(|(scheme, _)| scheme.chars().all(char::is_alphanumeric))
        });
        if url {
            return Err(Diag::invalid(
                &args.span,
                "a `signed_by` URL is not fetched: download the key with get_url (to /etc/apt/keyrings/) and give its path, or give the key itself",
            ));
        }
        Ok(())
    }

    fn planned_reads(&self) -> Vec<PlannedRead> {
        vec![PlannedRead { path: self.sources_file(), content: true }]
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Writes an APT source in deb822 form (a .sources file), with its key inline or as a file.",
    check_mode: CheckMode::Predicts,
    diff: true,
    returns: &[
        ("dest", "the .sources file"),
        ("repo", "what it says"),
        ("key_filename", "the key file written"),
    ],
    example: "- deb822_repository: { name: example, uris: 'http://deb.example.net/debian', suites: bookworm, components: main, signed_by: /usr/share/keyrings/example.asc }",
};
