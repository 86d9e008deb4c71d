//! Mode, owner and group, as every file-writing module takes them.

use serde::{Deserialize, Deserializer};

use super::symbolic_mode::SymbolicMode;
use crate::connection::{Attrs, FileKind, PlannedRead, Stat};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;

/// Permission bits, written as a quoted octal string (`'0644'`) or a symbolic mode (`u=rw,g=r`,
/// `u+x`), which is applied to the bits the file has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Bits(u32),
    Symbolic(SymbolicMode),
}

impl Mode {
    /// The bits wanted for a file that has `current` (or is still to be made: a folder when
    /// `folder`).
    pub fn bits(&self, current: Option<&Stat>, folder: bool) -> u32 {
        match (self, current) {
            (Mode::Bits(bits), _) => *bits,
            (Mode::Symbolic(mode), Some(stat)) => {
                mode.apply(stat.mode, stat.kind == FileKind::Directory)
            }
            (Mode::Symbolic(mode), None) => mode.for_new(folder),
        }
    }
}

impl<'de> Deserialize<'de> for Mode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Mode, D::Error> {
        use serde::de::Error;
        struct ModeVisitor;
        impl serde::de::Visitor<'_> for ModeVisitor {
            type Value = Mode;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a quoted octal mode such as '0644', or a symbolic one such as 'u=rw,g=r'",
                )
            }
            fn visit_str<E: Error>(self, s: &str) -> Result<Mode, E> {
                if crate::yaml::is_template(s) {
                    // Checked again once rendered.
                    return Ok(Mode::Bits(0));
                }
                let digits = s.strip_prefix("0o").unwrap_or(s);
                let octal = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
                if !octal {
                    return SymbolicMode::parse(s).map(Mode::Symbolic).map_err(E::custom);
                }
                if digits.len() > 5 || !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
                    return Err(E::custom(format!("`{s}` is not an octal mode such as '0644'")));
                }
                u32::from_str_radix(digits, 8).map(Mode::Bits).map_err(E::custom)
            }
            fn visit_i64<E: Error>(self, v: i64) -> Result<Mode, E> {
                Err(E::custom(format!(
                    "an unquoted mode is a YAML number (this one reads as {v}, octal {v:o}): quote it, as in mode: '0644'"
                )))
            }
            fn visit_u64<E: Error>(self, v: u64) -> Result<Mode, E> {
                self.visit_i64(v as i64)
            }
        }
        deserializer.deserialize_any(ModeVisitor)
    }
}

impl schemars::JsonSchema for Mode {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Mode".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        // A string only: an unquoted YAML number is refused (see `visit_i64`).
        schemars::json_schema!({
            "type": "string",
            "description": "permission bits: a quoted octal mode ('0644') or a symbolic one (u=rw,g=r, u+x)",
            "examples": ["0644", "u=rwx,g=rx,o="]
        })
    }
}

/// `mode`, `owner`, `group` of a file module; absent ones are left alone.
#[derive(Debug, Clone, Default)]
pub struct FileAttrs {
    pub mode: Option<Mode>,
    pub owner: Option<String>,
    pub group: Option<String>,
}

impl FileAttrs {
    /// The account files `resolve` will read for names.
    pub fn planned_reads(&self) -> Vec<PlannedRead> {
        let by_name = |id: &Option<String>| id.as_ref().is_some_and(|n| n.parse::<u32>().is_err());
        let mut files = Vec::new();
        if by_name(&self.owner) {
            files.push(PlannedRead { path: "/etc/passwd".into(), content: true });
        }
        if by_name(&self.group) {
            files.push(PlannedRead { path: "/etc/group".into(), content: true });
        }
        files
    }

    /// Resolves user and group names to ids on the target itself, and a symbolic mode against
    /// what is there (`current`; a file still to be made is a folder when `folder`).
    pub async fn resolve(
        &self,
        host: &HostReader<'_>,
        current: Option<&Stat>,
        folder: bool,
    ) -> Result<Attrs, ModuleError> {
        Ok(Attrs {
            owner_best_effort: false,
            mode: self.mode.as_ref().map(|m| m.bits(current, folder)),
            uid: match &self.owner {
                Some(owner) => Some(account_id(host, "/etc/passwd", owner, "user").await?),
                None => None,
            },
            gid: match &self.group {
                Some(group) => Some(account_id(host, "/etc/group", group, "group").await?),
                None => None,
            },
        })
    }
}

/// A numeric id as is, or a name looked up in the target's passwd/group file.
async fn account_id(
    host: &HostReader<'_>,
    file: &str,
    name: &str,
    what: &str,
) -> Result<u32, ModuleError> {
    if let Ok(id) = name.parse() {
        return Ok(id);
    }
    let table = host.read(file).await?.unwrap_or_default();
    String::from_utf8_lossy(&table)
        .lines()
        .filter_map(|line| {
            let mut fields = line.split(':');
            let entry = fields.next()?;
            let id = fields.nth(1)?.parse().ok()?;
            (entry == name).then_some(id)
        })
        .next()
        .ok_or_else(|| ModuleError::NotYet(format!("no {what} named `{name}` on the host")))
}

/// What differs between wanted attributes and what is there, in words.
pub fn differences(wanted: &Attrs, stat: &Stat) -> Vec<String> {
    let mut changes = Vec::new();
    if let Some(mode) = wanted.mode.filter(|m| *m != stat.mode) {
        changes.push(format!("mode {:04o} → {mode:04o}", stat.mode));
    }
    if let Some(uid) = wanted.uid.filter(|u| *u != stat.uid) {
        changes.push(format!("owner {} → {uid}", stat.uid));
    }
    if let Some(gid) = wanted.gid.filter(|g| *g != stat.gid) {
        changes.push(format!("group {} → {gid}", stat.gid));
    }
    changes
}

/// WantedFile attributes, falling back to what an existing file has, so that
/// replacing a file atomically keeps its mode and owner.
pub fn keep_existing(wanted: Attrs, stat: Option<&Stat>) -> Attrs {
    match stat {
        Some(stat) => Attrs {
            mode: wanted.mode.or(Some(stat.mode)),
            uid: wanted.uid.or(Some(stat.uid)),
            gid: wanted.gid.or(Some(stat.gid)),
            owner_best_effort: wanted.uid.is_none() && wanted.gid.is_none(),
        },
        None => wanted,
    }
}
