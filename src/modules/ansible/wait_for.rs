//! `wait_for`: waits on the host until a path exists (or holds a match, or is gone) or a TCP
//! port accepts (or refuses) connections, up to `timeout` seconds. The wait runs on the host
//! in one command, so a slow condition costs one round trip, not one per poll.

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use crate::diag::Diag;
use crate::modules::action::Action;
use crate::modules::contract::{Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::probe::{NO_ARGUMENTS, Probe, scripts};
use crate::yaml::Node;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaitFor {
    path: Option<String>,
    port: Option<u16>,
    #[serde(default = "localhost", alias = "host")]
    #[schemars(extend("x-aliases" = ["host"]))]
    host: String,
    #[serde(default)]
    state: State,
    search_regex: Option<String>,
    #[serde(default)]
    delay: u64,
    #[serde(default = "five_minutes")]
    timeout: u64,
    #[serde(default = "one")]
    sleep: u64,
    msg: Option<String>,
}

fn localhost() -> String {
    "127.0.0.1".into()
}
fn five_minutes() -> u64 {
    300
}
fn one() -> u64 {
    1
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum State {
    #[default]
    Started,
    Present,
    Stopped,
    Absent,
}

impl WaitFor {
    fn condition(&self) -> String {
        let condition = match (&self.path, self.port, self.state) {
            (Some(_), _, State::Absent | State::Stopped) => "path_absent",
            (Some(_), _, _) if self.search_regex.is_some() => "path_matches",
            (Some(_), _, _) => "path_present",
            (None, Some(_), State::Stopped | State::Absent) => "port_closed",
            (None, Some(_), _) => "port_open",
            (None, None, _) => "nothing",
        };
        condition.into()
    }

    fn what(&self) -> String {
        match (&self.path, self.port) {
            (Some(path), _) => format!("file {path}"),
            (None, Some(port)) => format!("{}:{port}", self.host),
            (None, None) => "nothing".into(),
        }
    }
}

impl Action for WaitFor {
    const NAME: &'static str = "wait_for";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for WaitFor {
    type Plan = ();

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<()>, ModuleError> {
        let wait = Probe::script(&scripts::WAIT_FOR, NO_ARGUMENTS)
            .env("CONDITION", self.condition())
            .env("DELAY", self.delay.to_string())
            .env("TIMEOUT", self.timeout.to_string())
            .env("SLEEP", self.sleep.max(1).to_string())
            .env("WAIT_PATH", self.path.clone().unwrap_or_default())
            .env("SEARCH", self.search_regex.clone().unwrap_or_default())
            .env("HOST", self.host.clone())
            .env("PORT", self.port.map(|p| p.to_string()).unwrap_or_default());
        let output = host.probe(wait).await?;
        let elapsed: u64 = String::from_utf8_lossy(&output.stdout).trim().parse().unwrap_or(0);
        let mut data = vec![
            ("elapsed".into(), Value::from(elapsed)),
            ("state".into(), Value::from(format!("{:?}", self.state).to_lowercase())),
        ];
        data.extend(self.path.as_ref().map(|p| ("path".to_string(), Value::from(p.as_str()))));
        data.extend(self.port.map(|p| ("port".to_string(), Value::from(p))));
        match output.rc {
            0 => Ok(Check::Ok(Outcome { data, ..Outcome::default() })),
            3 => Ok(Check::Ok(Outcome {
                failed: true,
                msg: Some(
                    self.msg
                        .clone()
                        .unwrap_or_else(|| format!("Timeout when waiting for {}", self.what())),
                ),
                data,
                ..Outcome::default()
            })),
            rc => Err(ModuleError::failed(format!(
                "waiting for {} failed (exit {rc}): {}",
                self.what(),
                output.stderr_text()
            ))),
        }
    }

    fn validate(&self, args: &Node) -> Result<(), Diag> {
        if self.path.is_some() && self.port.is_some() {
            return Err(Diag::invalid(&args.span, "give `path` or `port`, not both"));
        }
        Ok(())
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Waits for a port to open or close, a file to appear or go, or text in a file.",
    check_mode: CheckMode::Runs,
    diff: false,
    returns: &[
        ("elapsed", "seconds waited"),
        ("state", "what was waited for"),
        ("port", "the port"),
        ("path", "the file"),
    ],
    example: "- wait_for: { port: 22, host: 127.0.0.1, timeout: 60 }",
};
