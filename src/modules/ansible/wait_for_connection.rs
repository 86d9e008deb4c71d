//! `wait_for_connection`: waits until the host runs a command again (after a reboot, or a VM
//! that is still booting), trying every `sleep` seconds for up to `timeout`, each try bounded
//! by `connect_timeout`. A dropped SSH connection is opened anew at each try. It waits in check
//! mode too, where ansible-core skips: a dry run past it then speaks of a host that answers.
//! A host that cannot be reached when its play begins is waited for by the engine, when this
//! is the play's first step (`connection_patience`).

use std::time::{Duration, Instant};

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use crate::modules::action::Action;
use crate::modules::contract::{Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::probe::{NO_ARGUMENTS, Probe, ReadOnlyProgram};
use crate::yaml::Node;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaitForConnection {
    #[serde(default)]
    delay: u64,
    #[serde(default = "one")]
    sleep: u64,
    #[serde(default = "ten_minutes")]
    timeout: u64,
    #[serde(default = "five")]
    connect_timeout: u64,
}

fn one() -> u64 {
    1
}

fn five() -> u64 {
    5
}

fn ten_minutes() -> u64 {
    600
}

impl Action for WaitForConnection {
    const NAME: &'static str = "wait_for_connection";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for WaitForConnection {
    type Plan = ();

    /// As long as this step would wait: its `delay` and `timeout` as written (600 s when either
    /// is a template, which is only known at the step).
    fn connection_patience(args: &Node) -> Option<Duration> {
        let seconds = |key: &str, default: u64| {
            args.get(key).map_or(Some(default), |n| n.scalar_text().parse().ok()).unwrap_or(600)
        };
        Some(Duration::from_secs(seconds("delay", 0) + seconds("timeout", 600)))
    }

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<()>, ModuleError> {
        let began = Instant::now();
        tokio::time::sleep(Duration::from_secs(self.delay)).await;
        let deadline = began + Duration::from_secs(self.delay + self.timeout);
        let attempt = Duration::from_secs(self.connect_timeout.max(1));
        loop {
            let reply = tokio::time::timeout(
                attempt,
                host.probe(Probe::program(ReadOnlyProgram::True, NO_ARGUMENTS)),
            )
            .await;
            let why = match reply {
                Ok(Ok(output)) if output.rc == 0 => break,
                Ok(Ok(output)) => format!("`true` exited {}", output.rc),
                Ok(Err(error)) => error.to_string(),
                Err(_) => format!("no answer within {}s", attempt.as_secs()),
            };
            if Instant::now() + Duration::from_secs(self.sleep) >= deadline {
                return Err(ModuleError::failed(format!(
                    "timed out waiting for ping module test: {why}"
                )));
            }
            tokio::time::sleep(Duration::from_secs(self.sleep)).await;
        }
        let elapsed = began.elapsed().as_secs();
        Ok(Check::Ok(Outcome {
            data: vec![("elapsed".into(), Value::from(elapsed))],
            ..Outcome::default()
        }))
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Waits until the host runs a command again (a VM still booting, a host after a reboot).",
    check_mode: CheckMode::Runs,
    diff: false,
    returns: &[("elapsed", "seconds waited")],
    example: "- wait_for_connection: { timeout: 300 }",
};
