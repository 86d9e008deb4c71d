//! The performance report as one HTML page a person opens from disk: every measurement drawn
//! against its threshold, the placement map, each VM's pins and memory locality, and the run's
//! recap so far. Self-contained: inline SVG and CSS, no script, nothing fetched.

use std::fmt::Write;

use serde::Deserialize;

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
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
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

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Up to three decimals, no trailing zeros.
pub fn number(n: f64) -> String {
    let text = format!("{n:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

const STYLE: &str = "body{font:15px/1.4 system-ui,sans-serif;margin:2em auto;max-width:60em;color:#222}\
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em}table{border-collapse:collapse;width:100%}\
td,th{padding:.3em .6em;border-bottom:1px solid #ddd;text-align:left;vertical-align:middle}\
.num{text-align:right;font-variant-numeric:tabular-nums}.pass{color:#1b5e20}.miss{color:#b71c1c;font-weight:bold}\
.none{color:#757575}.verdict{font-size:1.1em;padding:.5em .8em;border-radius:.3em;display:inline-block}\
.verdict.pass{background:#e8f5e9}.verdict.miss{background:#ffebee}.map svg{max-width:100%;height:auto}";

/// A bar of the value against a scale that holds it and its thresholds, with a mark at each
/// threshold.
fn bar_svg(bar: &Bar) -> String {
    const WIDTH: f64 = 320.0;
    let top = [bar.value, bar.min, bar.max].into_iter().flatten().fold(0.0_f64, f64::max) * 1.2;
    let scale = if top > 0.0 { WIDTH / top } else { 0.0 };
    let fill = match bar.verdict {
        "pass" => "#2e7d32",
        "miss" => "#c62828",
        _ => "#9e9e9e",
    };
    let mut svg = format!(
        "<svg class=\"bar\" width=\"{WIDTH}\" height=\"22\" viewBox=\"0 0 {WIDTH} 22\" role=\"img\" aria-label=\"{}\">\
         <rect x=\"0\" y=\"4\" width=\"{WIDTH}\" height=\"14\" fill=\"#eeeeee\"/>",
        escape(bar.name)
    );
    if let Some(value) = bar.value {
        let _ = write!(
            svg,
            "<rect x=\"0\" y=\"4\" width=\"{:.1}\" height=\"14\" fill=\"{fill}\"/>",
            value * scale
        );
    }
    for limit in [bar.min, bar.max].into_iter().flatten() {
        let x = limit * scale;
        let _ = write!(
            svg,
            "<line x1=\"{x:.1}\" y1=\"0\" x2=\"{x:.1}\" y2=\"22\" stroke=\"#111\" stroke-width=\"2\"/>"
        );
    }
    svg + "</svg>"
}

/// The page, as HTML.
pub fn render(page: &Page) -> String {
    let missed = page.bars.iter().filter(|b| b.verdict == "miss").count();
    let (class, verdict) = match missed {
        0 => ("pass", format!("{} measurement(s) within their thresholds", page.bars.len())),
        n => ("miss", format!("{n} threshold(s) missed")),
    };
    let title = escape(page.title);
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <style>{STYLE}</style></head><body>\n<h1>{title}</h1>\n<p id=\"verdict\" class=\"verdict {class}\">{verdict}</p>\n"
    );
    html.push_str("<section id=\"measurements\"><h2>Measurements</h2><table><tr><th>Measurement</th><th class=\"num\">Value</th><th>Threshold</th><th>Against it</th><th>Verdict</th></tr>\n");
    for bar in &page.bars {
        let value = bar
            .value
            .map_or("not measured".into(), |v| format!("{} {}", number(v), escape(bar.unit)));
        let note = if bar.note.is_empty() {
            String::new()
        } else {
            format!("<br><small>{}</small>", escape(bar.note))
        };
        let _ = writeln!(
            html,
            "<tr class=\"measurement\" data-verdict=\"{v}\"><td>{}{note}</td><td class=\"num\">{value}</td><td>{}</td><td>{}</td><td class=\"{v}\">{v}</td></tr>",
            escape(bar.name),
            bar.threshold,
            bar_svg(bar),
            v = bar.verdict,
        );
    }
    html.push_str("</table></section>\n");
    match page.map {
        Some(Ok(svg)) => {
            // The map numarun drew itself; its XML declaration has no place inside HTML.
            let svg = svg.trim_start();
            let svg = svg
                .strip_prefix("<?xml")
                .and_then(|s| s.split_once("?>"))
                .map_or(svg, |(_, rest)| rest);
            let _ = writeln!(
                html,
                "<section id=\"placement\" class=\"map\"><h2>Placement</h2>{svg}</section>"
            );
        }
        Some(Err(why)) => {
            let _ = writeln!(
                html,
                "<section id=\"placement\"><h2>Placement</h2><p class=\"none\">{}</p></section>",
                escape(why)
            );
        }
        None => {}
    }
    if !page.vms.is_empty() {
        html.push_str("<section id=\"vms\"><h2>Pins and memory locality</h2><table><tr><th>VM</th><th>vCPU → host CPU</th><th>Emulator</th><th>Memory nodes</th><th class=\"num\">On its nodes</th></tr>\n");
        for vm in page.vms {
            let pins: Vec<String> =
                vm.vcpu_pins.iter().enumerate().map(|(v, c)| format!("{v}→{c}")).collect();
            let locality =
                vm.locality_pct.map_or("not measured".into(), |p| format!("{}%", number(p)));
            let _ = writeln!(
                html,
                "<tr class=\"vm\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{locality}</td></tr>",
                escape(&vm.name),
                escape(&pins.join(", ")),
                escape(&vm.emulator_cpuset),
                escape(&vm.nodeset),
            );
        }
        html.push_str("</table></section>\n");
    }
    if !page.recap.is_empty() {
        html.push_str("<section id=\"recap\"><h2>The run so far</h2><table><tr><th>Host</th><th class=\"num\">ok</th><th class=\"num\">changed</th><th class=\"num\">unknown</th><th class=\"num\">failed</th><th class=\"num\">skipped</th><th class=\"num\">unreachable</th><th class=\"num\">ignored</th><th class=\"num\">rescued</th></tr>\n");
        for r in page.recap {
            let _ = writeln!(
                html,
                "<tr class=\"host\"><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                escape(&r.host),
                r.ok,
                r.changed,
                r.unknown,
                r.failed,
                r.skipped,
                r.unreachable,
                r.ignored,
                r.rescued
            );
        }
        html.push_str("</table></section>\n");
    }
    html + "</body></html>\n"
}
