//! `stat`: what is at a path, as Ansible's `stat` returns it (`stat.exists`, `stat.isdir`,
//! `stat.mode`, `stat.checksum`, `stat.pw_name`, …), so roles can register it and decide. It
//! changes nothing; one probe asks the host for everything at once.

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use crate::modules::action::Action;
use crate::modules::contract::{Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::probe::Digest;
use crate::modules::probe::{Probe, scripts};
use crate::modules::support::stat_fields::{NUMBERS, mode_fields, number_fields};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatModule {
    #[serde(alias = "dest", alias = "name")]
    #[schemars(extend("x-aliases" = ["dest", "name"]))]
    path: String,
    #[serde(default)]
    follow: bool,
    #[serde(default = "yes")]
    get_checksum: bool,
    #[serde(default = "yes", alias = "mime", alias = "mime_type", alias = "mime-type")]
    #[schemars(extend("x-aliases" = ["mime", "mime_type", "mime-type"]))]
    get_mime: bool,
    #[serde(default = "yes", alias = "attr", alias = "attributes")]
    #[schemars(extend("x-aliases" = ["attr", "attributes"]))]
    get_attributes: bool,
    #[serde(default, alias = "checksum", alias = "checksum_algo")]
    #[schemars(extend("x-aliases" = ["checksum", "checksum_algo"]))]
    checksum_algorithm: Digest,
}

fn yes() -> bool {
    true
}

impl Action for StatModule {
    const NAME: &'static str = "stat";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for StatModule {
    type Plan = ();

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<()>, ModuleError> {
        let flag = |on: bool, value: &str| if on { value.to_string() } else { String::new() };
        let probe = Probe::script(&scripts::STAT, [self.path.as_str()])
            .env("STAT_FOLLOW", flag(self.follow, "-L"))
            .env("DIGEST", flag(self.get_checksum, self.checksum_algorithm.program()))
            .env("MIME", flag(self.get_mime, "1"))
            .env("ATTRS", flag(self.get_attributes, "1"))
            .env("LC_ALL", "C");
        let text = host.probe_stdout(probe, &format!("stat {}", self.path)).await?;
        let stat = read_probe(&self.path, &text, self);
        Ok(Check::Ok(Outcome { data: vec![("stat".into(), stat)], ..Outcome::default() }))
    }
}

/// The probe's lines as Ansible's `stat` result.
fn read_probe(path: &str, text: &str, asked: &StatModule) -> Value {
    let fields: Vec<(&str, &str)> = text.lines().filter_map(|l| l.split_once('=')).collect();
    let field = |key: &str| fields.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    if field("exists") == Some("0") {
        return Value::from_pairs([("exists", Value::from(false))]);
    }
    let raw_mode = field("mode").and_then(|m| u32::from_str_radix(m, 16).ok()).unwrap_or(0);
    let text_of = |key: &str| field(key).map(str::to_string);
    let mut out: Vec<(&str, Value)> =
        vec![("exists", Value::from(true)), ("path", Value::from(path))];
    out.extend(mode_fields(raw_mode));
    out.extend(number_fields(text_of, NUMBERS));
    out.extend(number_fields(text_of, &["blocks", "block_size", "device_type"]));
    for access in ["readable", "writeable", "executable"] {
        out.push((access, Value::from(field(access).is_some())));
    }
    for name in ["pw_name", "gr_name"] {
        if let Some(v) = field(name).filter(|v| *v != "UNKNOWN") {
            out.push((name, Value::from(v)));
        }
    }
    for name in ["lnk_source", "lnk_target", "checksum"] {
        if let Some(v) = field(name) {
            out.push((name, Value::from(v)));
        }
    }
    if asked.get_mime {
        // `file` says `PATH: TYPE; charset=CHARSET`.
        let described = field("mime").and_then(|m| m.rsplit_once(": ")).map(|(_, m)| m);
        let (mime, charset) = described
            .and_then(|m| m.split_once(';'))
            .map(|(t, c)| (t.trim(), c.trim().trim_start_matches("charset=")))
            .unwrap_or(("unknown", "unknown"));
        out.push(("mimetype", Value::from(mime)));
        out.push(("charset", Value::from(charset)));
    }
    if asked.get_attributes {
        out.extend(attributes(field("lsattr")));
    }
    Value::from_pairs(out)
}

/// `lsattr -vd` says `VERSION FLAGS PATH`; Ansible reports the flags without dashes and by
/// name. Where lsattr cannot tell (tmpfs, no lsattr), no version and no attributes.
fn attributes(lsattr: Option<&str>) -> [(&'static str, Value); 3] {
    let mut words = lsattr.unwrap_or_default().split_whitespace();
    let (version, flags) = match (words.next(), words.next()) {
        (Some(version), Some(flags)) => (Value::from(version), flags.replace('-', "")),
        _ => (Value::from(()), String::new()),
    };
    let names: Vec<Value> = flags.chars().filter_map(attribute_name).map(Value::from).collect();
    [("version", version), ("attributes", Value::from(names)), ("attr_flags", Value::from(flags))]
}

/// The names Ansible gives chattr's flags.
fn attribute_name(flag: char) -> Option<&'static str> {
    Some(match flag {
        'A' => "noatime",
        'a' => "append",
        'c' => "compressed",
        'C' => "nocow",
        'd' => "nodump",
        'D' => "dirsync",
        'e' => "extents",
        'E' => "encrypted",
        'h' => "blocksize",
        'i' => "immutable",
        'I' => "indexed",
        'j' => "journalled",
        'N' => "inline",
        's' => "zero",
        'S' => "synchronous",
        't' => "notail",
        'T' => "blockroot",
        'u' => "undelete",
        'X' => "compressedraw",
        'Z' => "compresseddirty",
        _ => return None,
    })
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Reports what is at a path: kind, mode, owner, size, times, checksum.",
    check_mode: CheckMode::Runs,
    diff: false,
    returns: &[("stat", "what is there (`exists` false when nothing)")],
    example: "- stat: { path: /etc/nginx/nginx.conf, get_checksum: true }",
};
