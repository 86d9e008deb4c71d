//! `perf_report`: measurements held against their thresholds, written on the controller as JSON,
//! as a Markdown table and as one HTML page to look at (`perf_page`: bars against thresholds,
//! the placement map, pins and locality per VM, the run so far), failing when a threshold is
//! missed. The report is the run's output,
//! like its recap, not a change to any host: it is written on every run and reports `ok`.

use std::path::Path;

use async_trait::async_trait;
use minijinja::Value;
use serde::{Deserialize, Serialize};

use crate::modules::action::Action;
use crate::modules::contract::{Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::support::controller_file;

use super::perf_page::{self, Bar, Page, RecapRow, VmPlacement, number};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PerfReport {
    /// Controller-side path without extension: `<dest>.json`, `<dest>.md` and `<dest>.html`
    /// are written.
    dest: String,
    #[serde(default = "default_title")]
    title: String,
    measurements: Vec<Measurement>,
    /// A controller-side SVG placement map (`vm_plan`'s `map_svg`), drawn in the HTML page.
    placement_svg: Option<String>,
    /// Each VM's pins and memory locality, for the HTML page.
    #[serde(default)]
    vms: Vec<VmPlacement>,
    /// The run so far, for the HTML page: `numarun_recap`.
    #[serde(default)]
    recap: Vec<RecapRow>,
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

impl PerfReport {
    /// The HTML page of these rows, with the map read from its file.
    fn page(&self, rows: &[(Measurement, Verdict)]) -> String {
        // A map not drawn yet (phase 1 not run on this controller) is said on the page, not fatal.
        let map = self.placement_svg.as_ref().map(|path| {
            std::fs::read_to_string(path).map_err(|e| format!("no placement map: {path}: {e}"))
        });
        let bars = rows
            .iter()
            .map(|(m, verdict)| Bar {
                name: &m.name,
                note: &m.note,
                value: m.value,
                unit: &m.unit,
                min: m.min,
                max: m.max,
                threshold: m.threshold(),
                verdict: match verdict {
                    Verdict::Pass => "pass",
                    Verdict::Miss => "miss",
                    Verdict::None => "none",
                },
            })
            .collect();
        let page = Page {
            title: &self.title,
            bars,
            map: map.as_ref().map(|m| m.as_deref().map_err(String::as_str)),
            vms: &self.vms,
            recap: &self.recap,
        };
        perf_page::render(&page)
    }
}

impl Action for PerfReport {
    const NAME: &'static str = "perf_report";
    const DOC: &'static ModuleDoc = &DOC;
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
        controller_file::write(Path::new(&format!("{}.html", self.dest)), &self.page(&rows))?;
        let msg = match missed.as_slice() {
            [] => format!(
                "{} measurement(s) within their thresholds; report in {}.html, .md and .json",
                rows.len(),
                self.dest
            ),
            missed => format!(
                "threshold missed: {}; report in {}.html, .md and .json",
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
    summary: "Writes a performance report (HTML, Markdown and JSON): each measurement against its thresholds.",
    check_mode: CheckMode::Runs,
    diff: false,
    returns: &[("report", "the verdicts")],
    example: "- perf_report: { dest: /tmp/report/perf, measurements: [{ name: read IOPS, value: 12000, unit: IOPS, min: 10000 }] }",
};
