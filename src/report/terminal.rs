//! The terminal: a progress line per host when stdout is a terminal, plain
//! lines otherwise; changed, failed and unknown steps as they happen; a
//! recap table at the end.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};

use console::{Style, style};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::bus::Reporter;
use crate::events::{Event, HostRecap, Status, StepReport, TextDiff};

pub struct Terminal {
    verbosity: u8,
    show_diff: bool,
    progress: Option<MultiProgress>,
    bars: HashMap<String, ProgressBar>,
}

impl Terminal {
    pub fn new(verbosity: u8, show_diff: bool) -> Terminal {
        let interactive = std::io::stdout().is_terminal() && std::env::var_os("CI").is_none();
        let progress =
            interactive.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stdout()));
        Terminal { verbosity, show_diff, progress, bars: HashMap::new() }
    }

    fn line(&self, text: &str) {
        match &self.progress {
            Some(multi) => {
                let _ = multi.println(text);
            }
            None => {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{text}");
            }
        }
    }

    fn bar(&mut self, host: &str) -> Option<&ProgressBar> {
        let multi = self.progress.as_ref()?;
        Some(self.bars.entry(host.to_string()).or_insert_with(|| {
            let bar = multi.add(ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {prefix:.bold} {msg}")
                    .expect("valid template"),
            );
            bar.set_prefix(host.to_string());
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        }))
    }

    fn report(&self, report: &StepReport) {
        let shown = match report.status {
            _ if report.looped => self.verbosity > 1,
            Status::Changed
            | Status::Failed
            | Status::Unknown
            | Status::Ignored
            | Status::Unreachable => true,
            Status::Ok => self.verbosity > 0 || report.message.is_some() && report.item.is_none(),
            Status::Skipped => self.verbosity > 0,
        };
        if !shown {
            return;
        }
        let word = match report.status {
            Status::Changed if report.check_mode => "would change".to_string(),
            status => status.word().to_string(),
        };
        let color = match report.status {
            Status::Ok => Style::new().green(),
            Status::Changed => Style::new().yellow(),
            Status::Unknown => Style::new().magenta(),
            Status::Failed | Status::Unreachable => Style::new().red().bold(),
            Status::Ignored | Status::Skipped => Style::new().cyan(),
        };
        let item = report.item.as_ref().map(|i| format!(" (item={i})")).unwrap_or_default();
        let handler = if report.handler { "handler " } else { "" };
        let message = report.message.as_ref().map(|m| format!(": {m}")).unwrap_or_default();
        self.line(&format!(
            "{}: [{}] {handler}{}{item}{message}",
            color.apply_to(word),
            report.host,
            report.step
        ));
        if let Some(diff) = report.diff.as_ref().filter(|_| self.show_diff) {
            self.line(&unified(diff));
        }
    }

    fn recap(&mut self, recap: &[HostRecap], elapsed_ms: u64, interrupted: bool) {
        for bar in self.bars.values() {
            bar.finish_and_clear();
        }
        let width = recap.iter().map(|r| r.host.len()).max().unwrap_or(4).max(4);
        self.line(&format!("\n{}", style("RECAP").bold()));
        for r in recap {
            let bad = r.failed > 0 || r.unreachable > 0;
            let host = if bad {
                style(format!("{:width$}", r.host)).red()
            } else if r.changed > 0 {
                style(format!("{:width$}", r.host)).yellow()
            } else {
                style(format!("{:width$}", r.host)).green()
            };
            self.line(&format!(
                "{host}  ok={:<4} changed={:<4} unknown={:<4} failed={:<4} skipped={:<4} unreachable={:<4} rescued={:<4} ignored={}",
                r.ok, r.changed, r.unknown, r.failed, r.skipped, r.unreachable, r.rescued, r.ignored
            ));
        }
        let stopped = if interrupted {
            ", interrupted: the steps after the last one shown did not run"
        } else {
            ""
        };
        self.line(&format!("elapsed {:.2}s{stopped}", elapsed_ms as f64 / 1000.0));
    }
}

/// A unified diff as `diff -u` prints it.
pub fn unified(diff: &TextDiff) -> String {
    similar::TextDiff::from_lines(&diff.before, &diff.after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("{} (before)", diff.path), &format!("{} (after)", diff.path))
        .to_string()
        .trim_end()
        .to_string()
}

impl Reporter for Terminal {
    fn event(&mut self, event: &Event) {
        match event {
            Event::RunStart { .. } => {}
            Event::PhaseStart { phase, hosts } => self.line(&format!(
                "\n{} [{phase}] {}",
                style("PHASE").bold(),
                style(hosts.join(", ")).dim()
            )),
            Event::StepStart { host, step, index, total, .. } => {
                if let Some(bar) = self.bar(host) {
                    bar.set_message(format!("[{index}/{total}] {step}"));
                }
            }
            Event::ItemResult(report) | Event::StepResult(report) => self.report(report),
            Event::HostUnreachable { host, message, .. } => {
                self.line(&format!("{}: [{host}] {message}", style("unreachable").red().bold()))
            }
            Event::Warning { host, message } => {
                self.line(&format!("{}: [{host}] {message}", style("warning").yellow().bold()))
            }
            Event::Interrupted { message } => {
                self.line(&format!("{}: {message}", style("interrupted").red().bold()))
            }
            Event::RunEnd { recap, elapsed_ms, interrupted } => {
                self.recap(recap, *elapsed_ms, *interrupted)
            }
        }
    }
}
