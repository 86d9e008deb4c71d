//! `access_time` and `modification_time` (with their `_format`s): `preserve`, `now`, or a time
//! written in a strftime format. ansible-core reads such a time with `time.mktime` on the
//! target, so in the host's own time zone; numarun reads the fields here and asks the host's
//! `date` for the instant, and compares it with the file's times to the nanosecond, as
//! ansible-core compares floats: a file whose time has a fraction differs from a whole second.

use crate::connection::Command;
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::modules::probe::{Probe, scripts};

/// Ansible's default `_format`: touch's `-t` form.
pub const DEFAULT_FORMAT: &str = "%Y%m%d%H%M.%S";

/// What one of a file's times should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum When {
    Preserve,
    /// The moment the step runs: a change on every run, as in ansible-core.
    Now,
    /// A local time, as `date -d` reads it: `YYYY-MM-DD HH:MM:SS`.
    At(String),
}

impl When {
    /// `value` read with `format`; `None` is `default`.
    pub fn parse(value: Option<&str>, format: &str, default: When) -> Result<When, ModuleError> {
        match value {
            None => Ok(default),
            Some("preserve") => Ok(When::Preserve),
            Some("now") => Ok(When::Now),
            Some(text) => strptime(text, format).map(When::At).map_err(|why| {
                ModuleError::failed(format!(
                    "Error while obtaining timestamp for time {text} using format {format}: {why}"
                ))
            }),
        }
    }
}

/// A file's access and modification times as a step wants them.
#[derive(Debug, Clone)]
pub struct Timestamps {
    pub access: When,
    pub modification: When,
}

/// Times to set with `touch -d`: `now` or `@EPOCH`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimesPlan {
    access: Option<String>,
    modification: Option<String>,
}

impl TimesPlan {
    pub fn is_empty(&self) -> bool {
        self.access.is_none() && self.modification.is_none()
    }
}

/// A file's time as `stat` gives it: whole seconds and nanoseconds.
fn is_whole_second(stat_time: &str, epoch: &str) -> bool {
    stat_time
        .split_once('.')
        .map_or(stat_time, |(secs, nanos)| if nanos.bytes().all(|b| b == b'0') { secs } else { "" })
        == epoch
}

impl Timestamps {
    pub fn preserved(&self) -> bool {
        self.access == When::Preserve && self.modification == When::Preserve
    }

    /// Whether a run always changes them (a time of `now`).
    pub fn always_change(&self) -> bool {
        self.access == When::Now || self.modification == When::Now
    }

    /// What to set at `path`, and a summary of it; `path` is `None` when it does not exist yet
    /// (so every time given is set).
    pub async fn plan(
        &self,
        host: &HostReader<'_>,
        path: Option<&str>,
    ) -> Result<(TimesPlan, Vec<String>), ModuleError> {
        if self.preserved() {
            return Ok((TimesPlan::default(), Vec::new()));
        }
        // One probe: the file's times (when it exists), then each wanted time as an epoch.
        let wanted: Vec<&str> = [&self.access, &self.modification]
            .into_iter()
            .filter_map(|when| match when {
                When::At(local) => Some(local.as_str()),
                _ => None,
            })
            .collect();
        let args = std::iter::once(path.unwrap_or("")).chain(wanted.iter().copied());
        let times = Probe::script(&scripts::FILE_TIMES, args);
        let answer = host.probe_stdout(times, "reading the file's times").await?;
        let mut words = answer.split_whitespace();
        let current = match path {
            Some(_) => (words.next().unwrap_or(""), words.next().unwrap_or("")),
            None => ("", ""),
        };
        let mut plan = TimesPlan::default();
        let mut summary = Vec::new();
        for (when, now, slot, name) in [
            (&self.access, current.0, &mut plan.access, "access time"),
            (&self.modification, current.1, &mut plan.modification, "modification time"),
        ] {
            match when {
                When::Preserve => {}
                When::Now => {
                    *slot = Some("now".into());
                    summary.push(format!("{name} → now"));
                }
                When::At(local) => {
                    let epoch = words.next().unwrap_or("").to_string();
                    if !is_whole_second(now, &epoch) {
                        *slot = Some(format!("@{epoch}"));
                        summary.push(format!("{name} → {local}"));
                    }
                }
            }
        }
        Ok((plan, summary))
    }
}

/// Sets the planned times at `path` with touch (`-c`: never creates it).
pub async fn apply(plan: &TimesPlan, host: &HostWriter<'_>, path: &str) -> Result<(), ModuleError> {
    for (flag, when) in [("-a", &plan.access), ("-m", &plan.modification)] {
        if let Some(when) = when {
            host.run_ok(Command::argv(["touch", "-c", flag, "-d", when, "--", path]), "touch")
                .await?;
        }
    }
    Ok(())
}

/// Why a time does not read with its format, in Python's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum TimeFormatError {
    #[error("time data '{text}' does not match format '{format}'")]
    Mismatch { text: String, format: String },
    #[error("'%{0}' is not supported here")]
    Unsupported(char),
    #[error("unconverted data remains: {0}")]
    Unconverted(String),
}

/// The fields of Python's `time.strptime` that a file's time needs (`%Y %y %m %d %H %M %S %%`;
/// other characters must match as written), as `YYYY-MM-DD HH:MM:SS`.
fn strptime(text: &str, format: &str) -> Result<String, TimeFormatError> {
    let mismatch =
        || TimeFormatError::Mismatch { text: text.to_string(), format: format.to_string() };
    let mut fields = [1900u32, 1, 1, 0, 0, 0];
    let mut rest = text;
    let mut directives = format.chars();
    while let Some(c) = directives.next() {
        if c != '%' {
            rest = rest.strip_prefix(c).ok_or_else(mismatch)?;
            continue;
        }
        let directive = directives.next().ok_or_else(mismatch)?;
        let (slot, width, range) = match directive {
            '%' => {
                rest = rest.strip_prefix('%').ok_or_else(mismatch)?;
                continue;
            }
            'Y' => (0, 4, 0..=9999),
            'y' => (0, 2, 0..=99),
            'm' => (1, 2, 1..=12),
            'd' => (2, 2, 1..=31),
            'H' => (3, 2, 0..=23),
            'M' => (4, 2, 0..=59),
            'S' => (5, 2, 0..=61),
            other => return Err(TimeFormatError::Unsupported(other)),
        };
        let digits = rest.bytes().take(width).take_while(u8::is_ascii_digit).count();
        let value: u32 = rest[..digits].parse().map_err(|_| mismatch())?;
        if !range.contains(&value) {
            return Err(mismatch());
        }
        // Python's `%y`: 69–99 are 1900s, 0–68 the 2000s.
        fields[slot] = match directive {
            'y' if value < 69 => 2000 + value,
            'y' => 1900 + value,
            _ => value,
        };
        rest = &rest[digits..];
    }
    if !rest.is_empty() {
        return Err(TimeFormatError::Unconverted(rest.to_string()));
    }
    let [year, month, day, hour, minute, second] = fields;
    Ok(format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_pythons_strptime_reads_them() {
        assert_eq!(strptime("202312241830.05", DEFAULT_FORMAT).unwrap(), "2023-12-24 18:30:05");
        assert_eq!(strptime("24/12/23 7:05", "%d/%m/%y %H:%M").unwrap(), "2023-12-24 07:05:00");
        assert!(strptime("2023122418300", DEFAULT_FORMAT).is_err());
        assert!(
            strptime("202312241830.05x", DEFAULT_FORMAT)
                .unwrap_err()
                .to_string()
                .contains("unconverted")
        );
        assert!(is_whole_second("1700000000.000000000", "1700000000"));
        assert!(!is_whole_second("1700000000.500000000", "1700000000"));
    }
}
