//! The performance report as one HTML page a person opens from disk: every measurement drawn
//! against its threshold, the placement map, each VM's pins and memory locality, and the run's
//! recap so far. Self-contained: inline SVG and CSS, no script, nothing fetched. The page is
//! `perf_page.html.j2`, rendered with HTML escaping on; this file works out what it shows.

use minijinja::Value;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

/// What a bar needs of a measurement.
pub struct Bar<'a> {
    pub name: &'a str,
    pub note: &'a str,
    pub value: Option<f64>,
    pub unit: &'a str,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// The thresholds in words (`≥ 10000`).
    pub threshold: String,
    /// `pass`, `miss` or `none`.
    pub verdict: &'a str,
}

/// A VM's placement as the report shows it.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VmPlacement {
    pub name: String,
    /// Host CPU of each vCPU, in vCPU order.
    #[serde(default)]
    pub vcpu_pins: Vec<u32>,
    #[serde(default)]
    pub emulator_cpuset: String,
    /// The NUMA nodes its memory is bound to.
    #[serde(default)]
    pub nodeset: String,
    /// Percent of its memory on those nodes, as measured.
    pub locality_pct: Option<f64>,
}

/// A host's counts, as `numarun_recap` holds them.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecapRow {
    pub host: String,
    pub ok: u64,
    pub changed: u64,
    pub unknown: u64,
    pub failed: u64,
    pub skipped: u64,
    pub unreachable: u64,
    pub ignored: u64,
    pub rescued: u64,
}

/// Everything on the page.
pub struct Page<'a> {
    pub title: &'a str,
    pub bars: Vec<Bar<'a>>,
    /// The placement map's SVG, or why there is none.
    pub map: Option<Result<&'a str, &'a str>>,
    pub vms: &'a [VmPlacement],
    pub recap: &'a [RecapRow],
}

/// Up to three decimals, no trailing zeros.
pub fn number(n: f64) -> String {
    let text = format!("{n:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The bars' width on the page, in pixels.
const BAR_WIDTH: f64 = 320.0;

/// A bar as the template draws it: its words, and the geometry worked out here.
#[derive(Serialize)]
struct ShownBar<'a> {
    name: &'a str,
    note: &'a str,
    value: String,
    threshold: &'a str,
    verdict: &'a str,
    fill: &'static str,
    /// The value's length, `None` when not measured.
    filled: Option<String>,
    /// Where each threshold's mark goes.
    marks: Vec<String>,
}

impl<'a> ShownBar<'a> {
    fn of(bar: &'a Bar<'a>) -> ShownBar<'a> {
        // A scale that holds the value and its thresholds, with room to spare.
        let top = [bar.value, bar.min, bar.max].into_iter().flatten().fold(0.0_f64, f64::max) * 1.2;
        let scale = if top > 0.0 { BAR_WIDTH / top } else { 0.0 };
        ShownBar {
            name: bar.name,
            note: bar.note,
            value: bar
                .value
                .map_or("not measured".into(), |v| format!("{} {}", number(v), bar.unit)),
            threshold: &bar.threshold,
            verdict: bar.verdict,
            fill: match bar.verdict {
                "pass" => "#2e7d32",
                "miss" => "#c62828",
                _ => "#9e9e9e",
            },
            filled: bar.value.map(|v| format!("{:.1}", v * scale)),
            marks: [bar.min, bar.max]
                .into_iter()
                .flatten()
                .map(|l| format!("{:.1}", l * scale))
                .collect(),
        }
    }
}

/// A VM's row.
#[derive(Serialize)]
struct ShownVm<'a> {
    name: &'a str,
    pins: String,
    emulator: &'a str,
    nodeset: &'a str,
    locality: String,
}

/// The page, as HTML.
pub fn render(page: &Page) -> String {
    let missed = page.bars.iter().filter(|b| b.verdict == "miss").count();
    let (verdict_class, verdict) = match missed {
        0 => ("pass", format!("{} measurement(s) within their thresholds", page.bars.len())),
        n => ("miss", format!("{n} threshold(s) missed")),
    };
    // The map numarun drew itself; its XML declaration has no place inside HTML.
    let map_svg = match page.map {
        Some(Ok(svg)) => {
            let svg = svg.trim_start();
            Some(svg.strip_prefix("<?xml").and_then(|s| s.split_once("?>")).map_or(svg, |(_, r)| r))
        }
        _ => None,
    };
    let vms: Vec<ShownVm> = page
        .vms
        .iter()
        .map(|vm| ShownVm {
            name: &vm.name,
            pins: vm
                .vcpu_pins
                .iter()
                .enumerate()
                .map(|(v, c)| format!("{v}→{c}"))
                .collect::<Vec<_>>()
                .join(", "),
            emulator: &vm.emulator_cpuset,
            nodeset: &vm.nodeset,
            locality: vm.locality_pct.map_or("not measured".into(), |p| format!("{}%", number(p))),
        })
        .collect();
    let context = minijinja::context! {
        title => page.title,
        verdict_class,
        verdict,
        bar_width => BAR_WIDTH,
        bars => Value::from(Serde(page.bars.iter().map(ShownBar::of).collect::<Vec<_>>())),
        map_svg,
        map_missing => match page.map { Some(Err(why)) => Some(why), _ => None },
        vms => Value::from(Serde(&vms)),
        recap => Value::from(Serde(page.recap)),
    };
    let mut env = minijinja::Environment::new();
    env.add_template("perf_page.html", include_str!("perf_page.html.j2"))
        .expect("the page's template parses");
    env.get_template("perf_page.html")
        .and_then(|t| t.render(context))
        .expect("the page's template renders what it is given")
        + "\n"
}
