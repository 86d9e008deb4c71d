//! `pause`: waits `seconds` or `minutes`, on the controller, in check mode too. numarun has no
//! terminal to ask at, so a `prompt` is shown and not waited for, as ansible-core does when
//! its input is not a terminal; `user_input` is then empty. `start` and `stop` (local clock
//! times) are not reported.

use std::time::Duration;

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use crate::modules::action::Action;
use crate::modules::contract::{Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pause {
    seconds: Option<f64>,
    minutes: Option<f64>,
    prompt: Option<String>,
    #[serde(default = "yes")]
    echo: bool,
}

fn yes() -> bool {
    true
}

impl Action for Pause {
    const NAME: &'static str = "pause";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for Pause {
    type Plan = ();

    async fn check(&self, _host: &HostReader<'_>) -> Result<Check<()>, ModuleError> {
        // As ansible-core: a pause shorter than a second lasts one; with no time the unit said
        // is minutes.
        let seconds = self.minutes.map(|m| m * 60.0).or(self.seconds).map(|s| s.max(1.0));
        let began = std::time::Instant::now();
        if let Some(seconds) = seconds {
            tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
        }
        let took = began.elapsed().as_secs_f64();
        let (amount, unit) = match self.seconds.is_some() && self.minutes.is_none() {
            true => (took, "seconds"),
            false => (took / 60.0, "minutes"),
        };
        let delta = took as u64;
        let stdout =
            format!("Paused for {} {unit}", python_float((amount * 100.0).round() / 100.0));
        Ok(Check::Ok(Outcome {
            msg: self.prompt.clone(),
            data: vec![
                ("delta".into(), Value::from(delta)),
                ("user_input".into(), Value::from("")),
                ("echo".into(), Value::from(self.echo)),
                ("stdout".into(), Value::from(stdout)),
            ],
            ..Outcome::default()
        }))
    }
}

/// A float as Python prints it: `1.0`, `0.25`.
fn python_float(value: f64) -> String {
    match value.fract() == 0.0 {
        true => format!("{value:.1}"),
        false => format!("{value}"),
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Waits for a number of seconds or minutes (never at a prompt: numarun has no terminal input).",
    check_mode: CheckMode::Runs,
    diff: false,
    returns: &[
        ("delta", "seconds waited"),
        ("stdout", "what it said"),
        ("user_input", "always empty"),
    ],
    example: "- pause: { seconds: 5 }",
};
