//! `perf_report`: measurements held against their thresholds, written on the controller as JSON
//! and as a Markdown table, failing when a threshold is missed. The report is the run's output,
//! like its recap, not a change to any host: it is written on every run and reports `ok`.

use std::path::Path;

use async_trait::async_trait;
use minijinja::Value;
use serde::{Deserialize, Serialize};

use crate::modules::contract::{Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::support::controller_file;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PerfReport {
    /// Controller-side path without extension: `<dest>.json` and `<dest>.md` are written.
    dest: String,
    #[serde(default = "default_title")]
    title: String,
    measurements: Vec<Measurement>,
}

fn default_title() -> String {
    "Performance".into()
}

#[derive(Debug, Deserialize, Serialize, Clone, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct Measurement {
    name: String,
    /// A number, a numeric string, or empty/null when it could not be measured.
    #[serde(default, deserialize_with = "number_or_nothing")]
    #[schemars(with = "Option<serde_json::Value>")]
    value: Option<f64>,
    #[serde(default)]
    unit: String,
    min: Option<f64>,
    max: Option<f64>,
    /// Why a value is missing, or what it means.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    note: String,
}

#[derive(Debug, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Verdict {
    Pass,
    Miss,
    /// Not measured: no verdict either way.
    None,
}

fn number_or_nothing<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<f64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(f64),
        Text(String),
    }
    match Option::<Raw>::deserialize(de)? {
        None => Ok(None),
        Some(Raw::Number(n)) => Ok(Some(n)),
        Some(Raw::Text(t)) if t.trim().is_empty() || t == "None" => Ok(None),
        Some(Raw::Text(t)) => t
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("`{t}` is not a number"))),
    }
}

impl Measurement {
    fn verdict(&self) -> Verdict {
        match self.value {
            None => Verdict::None,
            Some(v)
                if self.min.is_some_and(|min| v < min) || self.max.is_some_and(|max| v > max) =>
            {
                Verdict::Miss
            }
            Some(_) => Verdict::Pass,
        }
    }

    fn threshold(&self) -> String {
        match (self.min, self.max) {
            (Some(min), Some(max)) => format!("{} – {}", number(min), number(max)),
            (Some(min), None) => format!("≥ {}", number(min)),
            (None, Some(max)) => format!("≤ {}", number(max)),
            (None, None) => "–".into(),
        }
    }
}

/// Up to three decimals, no trailing zeros.
fn number(n: f64) -> String {
    let text = format!("{n:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn markdown(title: &str, rows: &[(Measurement, Verdict)]) -> String {
    let mut md =
        format!("# {title}\n\n| Measurement | Value | Threshold | Verdict |\n|---|---:|---|---|\n");
    for (m, verdict) in rows {
        let value = m
            .value
            .map(|v| format!("{} {}", number(v), m.unit).trim_end().to_string())
            .unwrap_or_else(|| "not measured".into());
        let verdict = match verdict {
            Verdict::Pass => "pass".to_string(),
            Verdict::Miss => "**missed**".to_string(),
            Verdict::None => "–".to_string(),
        };
        let note = if m.note.is_empty() { String::new() } else { format!(" ({})", m.note) };
        md.push_str(&format!("| {}{note} | {value} | {} | {verdict} |\n", m.name, m.threshold()));
    }
    md
}

#[async_trait]
impl Module for PerfReport {
    type Plan = ();

    async fn check(&self, _host: &HostReader<'_>) -> Result<Check<Self::Plan>, ModuleError> {
        let rows: Vec<(Measurement, Verdict)> =
            self.measurements.iter().map(|m| (m.clone(), m.verdict())).collect();
        let missed: Vec<&str> = rows
            .iter()
            .filter(|(_, v)| *v == Verdict::Miss)
            .map(|(m, _)| m.name.as_str())
            .collect();
        let json = serde_json::json!({
            "title": self.title,
            "passed": missed.is_empty(),
            "measurements": rows.iter().map(|(m, verdict)| {
                let mut entry = serde_json::to_value(m).unwrap_or_default();
                entry["verdict"] = serde_json::to_value(verdict).unwrap_or_default();
                entry
            }).collect::<Vec<_>>(),
        });
        let text = serde_json::to_string_pretty(&json).map_err(ModuleError::failed)? + "\n";
        controller_file::write(Path::new(&format!("{}.json", self.dest)), &text)?;
        controller_file::write(
            Path::new(&format!("{}.md", self.dest)),
            &markdown(&self.title, &rows),
        )?;
        let msg = match missed.as_slice() {
            [] => format!(
                "{} measurement(s) within their thresholds; report in {}.md and .json",
                rows.len(),
                self.dest
            ),
            missed => format!(
                "threshold missed: {}; report in {}.md and .json",
                missed.join(", "),
                self.dest
            ),
        };
        Ok(Check::Ok(Outcome {
            failed: !missed.is_empty(),
            msg: Some(msg),
            data: vec![("report".into(), Value::from(minijinja::value::Serde(json)))],
            ..Outcome::default()
        }))
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Writes a performance report (Markdown and JSON): each measurement against its thresholds.",
    check_mode: CheckMode::Predicts,
    diff: false,
    returns: &[("report", "the verdicts")],
    example: "- perf_report: { dest: /tmp/report/perf, measurements: [{ name: read IOPS, value: 12000, unit: IOPS, min: 10000 }] }",
};
