//! `stat`: what is at a path, as Ansible's `stat` returns it (`stat.exists`, `stat.isdir`,
//! `stat.mode`, `stat.checksum`, `stat.pw_name`, …), so roles can register it and decide. It
//! changes nothing; one probe asks the host for everything at once.

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use crate::connection::Command;
use crate::modules::contract::{Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::support::digest::Digest;
use crate::modules::support::stat_fields::{NUMBERS, mode_fields, number_fields};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Stat {
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

/// Prints `key=value` lines for the path in `$1`: its stat fields, what the connection's user
/// may do with it, where a link points, its checksum, its type by `file` and its ext2
/// attributes by `lsattr`. Nothing at the path prints `exists=0` alone.
const PROBE: &str = r#"p=$1
if [ ! -e "$p" ] && [ ! -L "$p" ]; then echo exists=0; exit 0; fi
stat $STAT_FOLLOW -c 'mode=%f
uid=%u
gid=%g
size=%s
inode=%i
dev=%d
nlink=%h
atime=%.9X
mtime=%.9Y
ctime=%.9Z
pw_name=%U
gr_name=%G
blocks=%b
block_size=%o
device_type=%r' -- "$p" || exit 1
[ -r "$p" ] && echo readable=1
[ -w "$p" ] && echo writeable=1
[ -x "$p" ] && echo executable=1
if [ -L "$p" ]; then echo "lnk_target=$(readlink -- "$p")"; echo "lnk_source=$(realpath -- "$p")"; fi
if [ -n "$DIGEST" ] && [ -r "$p" ] && { [ -n "$STAT_FOLLOW" ] || [ ! -L "$p" ]; } && [ -f "$p" ]; then
  echo "checksum=$($DIGEST < "$p" | cut -d' ' -f1)"
fi
if [ -n "$MIME" ]; then
  if command -v file >/dev/null 2>&1; then echo "mime=$(file --mime-type --mime-encoding -- "$p")"; else echo mime=; fi
fi
if [ -n "$ATTRS" ] && command -v lsattr >/dev/null 2>&1; then echo "lsattr=$(lsattr -vd -- "$p" 2>/dev/null)"; fi
"#;

#[async_trait]
impl Module for Stat {
    type Plan = ();

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<()>, ModuleError> {
        let mut probe = Command::argv(["/bin/sh", "-c", PROBE, "stat", &self.path]);
        let flag = |on: bool, value: &str| if on { value.to_string() } else { String::new() };
        probe.env = vec![
            ("STAT_FOLLOW".into(), flag(self.follow, "-L")),
            ("DIGEST".into(), flag(self.get_checksum, self.checksum_algorithm.program())),
            ("MIME".into(), flag(self.get_mime, "1")),
            ("ATTRS".into(), flag(self.get_attributes, "1")),
            ("LC_ALL".into(), "C".into()),
        ];
        let text = host.probe_stdout(probe, &format!("stat {}", self.path)).await?;
        let stat = read_probe(&self.path, &text, self);
        Ok(Check::Ok(Outcome { data: vec![("stat".into(), stat)], ..Outcome::default() }))
    }
}

/// The probe's lines as Ansible's `stat` result.
fn read_probe(path: &str, text: &str, asked: &Stat) -> Value {
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
