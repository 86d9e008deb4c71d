//! `find`: the files under folders that match names, ages, sizes, modes and contents, each
//! with `stat`'s fields, as Ansible's `find` returns them. One probe lists every folder (GNU
//! `find -printf`); the filters run here; a file's contents are read only for `contains`.
//! Unlike Ansible's (directory order), the files come sorted by path.

use async_trait::async_trait;
use minijinja::Value;
use regex::Regex;
use serde::Deserialize;

use crate::diag::Diag;
use crate::modules::action::Action;
use crate::modules::contract::{Check, Module, OneOrMany, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::probe::Digest;
use crate::modules::probe::{Probe, scripts};
use crate::modules::support::stat_fields::{NUMBERS, mode_fields, number_fields};
use crate::yaml::Node;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Find {
    #[serde(alias = "name", alias = "path")]
    #[schemars(extend("x-aliases" = ["name", "path"]))]
    paths: OneOrMany<String>,
    #[serde(default, alias = "pattern")]
    #[schemars(extend("x-aliases" = ["pattern"]))]
    patterns: Option<OneOrMany<String>>,
    #[serde(default, alias = "exclude")]
    #[schemars(extend("x-aliases" = ["exclude"]))]
    excludes: Option<OneOrMany<String>>,
    contains: Option<String>,
    #[serde(default)]
    read_whole_file: bool,
    #[serde(default)]
    file_type: FileType,
    age: Option<String>,
    #[serde(default)]
    age_stamp: AgeStamp,
    size: Option<String>,
    #[serde(default)]
    recurse: bool,
    #[serde(default)]
    hidden: bool,
    #[serde(default)]
    follow: bool,
    #[serde(default)]
    get_checksum: bool,
    #[serde(default, alias = "checksum", alias = "checksum_algo")]
    #[schemars(extend("x-aliases" = ["checksum", "checksum_algo"]))]
    checksum_algorithm: Digest,
    #[serde(default)]
    use_regex: bool,
    depth: Option<u32>,
    mode: Option<String>,
    #[serde(default = "yes")]
    exact_mode: bool,
    limit: Option<usize>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum FileType {
    Any,
    Directory,
    #[default]
    File,
    Link,
}

#[derive(Debug, Default, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum AgeStamp {
    Atime,
    Ctime,
    #[default]
    Mtime,
}

/// One entry the probe listed.
struct ListedEntry<'a> {
    fields: Vec<&'a str>,
}

impl<'a> ListedEntry<'a> {
    fn kind(&self) -> &str {
        self.fields[0]
    }
    fn raw_mode(&self) -> u32 {
        let bits = u32::from_str_radix(self.fields[1], 8).unwrap_or(0);
        let kind = match self.kind() {
            "d" => 0o040000,
            "l" => 0o120000,
            "c" => 0o020000,
            "b" => 0o060000,
            "p" => 0o010000,
            "s" => 0o140000,
            _ => 0o100000,
        };
        kind | bits
    }
    fn number(&self, i: usize) -> f64 {
        self.fields[i].parse().unwrap_or(0.0)
    }
    fn depth(&self) -> u32 {
        self.fields[13].parse().unwrap_or(0)
    }
    fn path(&self) -> &'a str {
        self.fields[14]
    }
    fn name(&self) -> &'a str {
        self.path().rsplit('/').next().unwrap_or_default()
    }
    /// A name `find` prints as the number when it has none; Ansible reports `""`.
    fn name_of(&self, name: usize, id: usize) -> &'a str {
        match self.fields[name] == self.fields[id] {
            true => "",
            false => self.fields[name],
        }
    }
}

/// Ansible's `type='list'`: a list, or a text of comma-separated items.
fn listed(value: &Option<OneOrMany<String>>) -> Vec<String> {
    match value {
        None => Vec::new(),
        Some(OneOrMany::One(text)) => text.split(',').map(str::to_string).collect(),
        Some(OneOrMany::Many(items)) => items.clone(),
    }
}

/// `30d`, `-2h`, `10` (seconds): signed seconds.
fn age_seconds(age: &str) -> Option<f64> {
    let re = Regex::new(r"^(-?\d+)([smhdw])?$").expect("valid");
    let c = re.captures(age.trim())?;
    let unit = match c.get(2).map(|m| m.as_str()) {
        Some("m") => 60.0,
        Some("h") => 3600.0,
        Some("d") => 86400.0,
        Some("w") => 604800.0,
        _ => 1.0,
    };
    Some(c[1].parse::<f64>().ok()? * unit)
}

/// `10k`, `-1m`, `512` (bytes): signed bytes.
fn size_bytes(size: &str) -> Option<f64> {
    let re = Regex::new(r"^(-?\d+)([bkmgt])?$").expect("valid");
    let size = size.trim().to_ascii_lowercase();
    let c = re.captures(&size)?;
    let power = "bkmgt".find(c.get(2).map_or("b", |m| m.as_str())).unwrap_or(0) as i32;
    Some(c[1].parse::<f64>().ok()? * 1024f64.powi(power))
}

/// Signed limits as Ansible reads them: a positive one is a floor, a negative one a ceiling.
fn within(value: f64, limit: Option<f64>) -> bool {
    match limit {
        None => true,
        Some(limit) if limit >= 0.0 => value >= limit,
        Some(limit) => value <= -limit,
    }
}

impl Find {
    /// Name patterns: Python regexes matched at the start with `use_regex`, else wildcards.
    fn matchers(&self, patterns: &[String]) -> Result<Vec<Regex>, ModuleError> {
        patterns
            .iter()
            .map(|p| {
                match self.use_regex {
                    true => Regex::new(&format!("^(?:{p})")).ok(),
                    false => crate::template::fnmatch_regex(p),
                }
                .ok_or_else(|| ModuleError::failed(format!("bad pattern `{p}`")))
            })
            .collect()
    }

    fn wanted_kind(&self, kind: &str) -> bool {
        match self.file_type {
            FileType::Any => true,
            FileType::Directory => kind == "d",
            FileType::File => kind == "f",
            FileType::Link => kind == "l",
        }
    }

    async fn has_content(&self, host: &HostReader<'_>, path: &str, re: &Regex) -> bool {
        let Ok(Some(bytes)) = host.read(path).await else { return false };
        let text = String::from_utf8_lossy(&bytes);
        match self.read_whole_file {
            true => re.is_match(&text),
            false => text.lines().any(|line| re.find(line).is_some_and(|m| m.start() == 0)),
        }
    }

    fn result(&self, entry: &ListedEntry<'_>) -> Value {
        let field = |name: &str| {
            let i = match name {
                "uid" => 2,
                "gid" => 3,
                "size" => 4,
                "inode" => 5,
                "dev" => 6,
                "nlink" => 7,
                "atime" => 8,
                "mtime" => 9,
                _ => 10,
            };
            Some(entry.fields[i].to_string())
        };
        let mut out = vec![("path", Value::from(entry.path()))];
        out.extend(mode_fields(entry.raw_mode()));
        out.extend(number_fields(field, NUMBERS));
        out.push(("pw_name", Value::from(entry.name_of(11, 2))));
        out.push(("gr_name", Value::from(entry.name_of(12, 3))));
        Value::from_pairs(out)
    }
}

impl Action for Find {
    const NAME: &'static str = "find";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for Find {
    type Plan = ();

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<()>, ModuleError> {
        let mut patterns = listed(&self.patterns);
        if patterns.is_empty() {
            patterns.push(if self.use_regex { ".*" } else { "*" }.into());
        }
        let patterns = self.matchers(&patterns)?;
        let excludes = self.matchers(&listed(&self.excludes))?;
        let contains = self
            .contains
            .as_deref()
            .map(Regex::new)
            .transpose()
            .map_err(|e| ModuleError::failed(format!("bad `contains` expression: {e}")))?;
        let age = self.age.as_deref().map(|a| {
            age_seconds(a)
                .ok_or_else(|| ModuleError::failed(format!("failed to process age `{a}`")))
        });
        let age = age.transpose()?;
        let size = self.size.as_deref().map(|s| {
            size_bytes(s)
                .ok_or_else(|| ModuleError::failed(format!("failed to process size `{s}`")))
        });
        let size = size.transpose()?;
        let mode = self.mode.as_deref().map(|m| {
            u32::from_str_radix(m, 8)
                .map_err(|_| ModuleError::failed(format!("mode `{m}` is not an octal number")))
        });
        let mode = mode.transpose()?;

        let probe = Probe::script(&scripts::FIND, self.paths.as_slice().iter().cloned());
        let maxdepth = match (self.recurse, self.depth) {
            (false, _) => Some(1),
            (true, Some(depth)) => Some(depth + 1),
            (true, None) => None,
        };
        let probe = probe
            .env("MAXDEPTH", maxdepth.map(|d| d.to_string()).unwrap_or_default())
            .env("FOLLOW", if self.follow { "-L" } else { "" })
            .env("LC_ALL", "C");
        let output = host.probe_ok(probe, "find").await?;
        let text = String::from_utf8_lossy(&output.stdout);
        let (clock, listing) = text.split_once('\n').unwrap_or((&text, ""));
        let now: f64 = clock.trim().parse().unwrap_or(0.0);

        let mut skipped: Vec<(String, Value)> = Vec::new();
        let mut entries: Vec<ListedEntry<'_>> = Vec::new();
        for record in listing.split('\0').filter(|r| !r.is_empty()) {
            if let Some(path) = record.strip_prefix("skip\t") {
                skipped
                    .push((path.to_string(), Value::from(format!("'{path}' is not a directory"))));
                continue;
            }
            let fields: Vec<&str> = record.splitn(15, '\t').collect();
            if fields.len() == 15 {
                entries.push(ListedEntry { fields });
            }
        }
        let examined = entries.len();
        entries.sort_by(|a, b| a.path().cmp(b.path()));
        let stamp = match self.age_stamp {
            AgeStamp::Atime => 8,
            AgeStamp::Mtime => 9,
            AgeStamp::Ctime => 10,
        };
        let mut files = Vec::new();
        for entry in &entries {
            let name = entry.name();
            let depth_ok = self.depth.is_none_or(|d| entry.depth() <= d)
                && (self.recurse || entry.depth() == 1);
            let named = patterns.iter().any(|p| p.is_match(name))
                && !excludes.iter().any(|e| e.is_match(name));
            let regular = entry.kind() == "f";
            let keep = depth_ok
                && (self.hidden || !name.starts_with('.'))
                && self.wanted_kind(entry.kind())
                && named
                && within(now - entry.number(stamp), age)
                && (!regular || within(entry.number(4), size))
                && mode.is_none_or(|m| match self.exact_mode {
                    true => entry.raw_mode() & 0o7777 == m,
                    false => entry.raw_mode() & m != 0,
                });
            let keep = keep
                && match (&contains, self.file_type) {
                    (Some(re), FileType::File) => self.has_content(host, entry.path(), re).await,
                    _ => true,
                };
            if !keep {
                continue;
            }
            let mut found = self.result(entry);
            if self.get_checksum && regular {
                found = with_checksum(host, found, entry.path(), self.checksum_algorithm).await?;
            }
            files.push(found);
            if Some(files.len()) == self.limit {
                break;
            }
        }
        let msg = match (skipped.is_empty(), Some(files.len()) == self.limit) {
            (false, _) => "Not all paths examined, check warnings for details",
            (true, true) => "Limit of matches reached",
            (true, false) => "All paths examined",
        };
        Ok(Check::Ok(Outcome {
            msg: Some(msg.into()),
            data: vec![
                ("matched".into(), Value::from(files.len())),
                ("files".into(), Value::from(files)),
                ("examined".into(), Value::from(examined)),
                ("skipped_paths".into(), Value::from_pairs(skipped)),
            ],
            ..Outcome::default()
        }))
    }

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        match self.limit {
            Some(0) => Err(Diag::invalid(
                args.get("limit").map_or(&args.span, |n| &n.span),
                "limit cannot be 0 (leave it out for no limit)",
            )),
            _ => Ok(()),
        }
    }
}

/// The entry with its `checksum`, by the host's digest program.
async fn with_checksum(
    host: &HostReader<'_>,
    found: Value,
    path: &str,
    digest: Digest,
) -> Result<Value, ModuleError> {
    let sum =
        host.probe_stdout(Probe::program(digest.reader(), ["--", path]), digest.program()).await?;
    let sum = sum.split_whitespace().next().unwrap_or_default().to_string();
    let mut pairs: Vec<(Value, Value)> = found
        .try_iter()
        .map_err(|e| ModuleError::failed(e.to_string()))?
        .map(|k| (k.clone(), found.get_item(&k).unwrap_or_default()))
        .collect();
    pairs.push((Value::from("checksum"), Value::from(sum)));
    Ok(Value::from_pairs(pairs))
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Finds files under folders by name, age, size or content.",
    check_mode: CheckMode::Runs,
    diff: false,
    returns: &[("files", "the matches, each with stat's fields"), ("matched", "how many")],
    example: "- find: { paths: /var/log, patterns: '*.gz', age: 4w, recurse: true }",
};
