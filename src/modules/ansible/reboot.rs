//! `reboot`: reboots the host and waits for it to come back, as ansible-core's action does. It
//! notes the host's boot id, runs the reboot command (a connection that drops under it is the
//! reboot taking effect), waits `post_reboot_delay`, then until the boot id is a new one, then
//! until `test_command` succeeds, all within `reboot_timeout`. Every run is a change; check mode
//! predicts it and reboots nothing. The machine numarun runs on is never rebooted.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use crate::connection::{Command, FileKind, shell_words};
use crate::modules::action::Action;
use crate::modules::contract::{Change, Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reboot {
    /// Seconds before the reboot; `shutdown` takes whole minutes, so less than 60 is now.
    #[serde(default)]
    pre_reboot_delay: i64,
    /// Seconds to wait once the reboot command ran, before looking for the new boot.
    #[serde(default)]
    post_reboot_delay: i64,
    #[serde(default = "ten_minutes")]
    reboot_timeout: u64,
    /// Seconds each try to reach the host may take.
    connect_timeout: Option<u64>,
    #[serde(default = "whoami")]
    test_command: String,
    #[serde(default = "reboot_message")]
    msg: String,
    /// The command and its arguments; then `msg` and `pre_reboot_delay` are not used.
    reboot_command: Option<String>,
    #[serde(default = "boot_id")]
    boot_time_command: String,
    /// Where a reboot command given without a folder is looked for.
    #[serde(default = "system_folders")]
    search_paths: Vec<String>,
}

fn ten_minutes() -> u64 {
    600
}

fn whoami() -> String {
    "whoami".into()
}

fn reboot_message() -> String {
    "Reboot initiated by Ansible".into()
}

fn boot_id() -> String {
    "cat /proc/sys/kernel/random/boot_id".into()
}

fn system_folders() -> Vec<String> {
    ["/sbin", "/bin", "/usr/sbin", "/usr/bin", "/usr/local/sbin"].map(String::from).to_vec()
}

/// The longest pause between two tries to reach the host, as ansible-core's.
const LONGEST_PAUSE: Duration = Duration::from_secs(12);

fn sh(script: &str) -> Command {
    Command::argv(["/bin/sh", "-c", script])
}

impl Reboot {
    fn try_limit(&self) -> Duration {
        Duration::from_secs(self.connect_timeout.unwrap_or(10).max(1))
    }

    /// The reboot command's words after its program, and the program as written.
    fn command_words(&self) -> (String, String) {
        match &self.reboot_command {
            Some(given) => {
                let (program, rest) = given.trim().split_once(' ').unwrap_or((given.trim(), ""));
                (program.to_string(), rest.trim().to_string())
            }
            None => {
                let minutes = self.pre_reboot_delay.max(0) / 60;
                ("shutdown".into(), format!("-r {minutes} {}", shell_words::quote(&self.msg)))
            }
        }
    }

    /// The program's full path: as given when it has a folder, else the first search path
    /// that holds it (read, not run: one stat each).
    async fn program_path(
        &self,
        host: &HostReader<'_>,
        program: &str,
    ) -> Result<String, ModuleError> {
        if program.contains('/') {
            return Ok(program.to_string());
        }
        for folder in &self.search_paths {
            let path = format!("{}/{program}", folder.trim_end_matches('/'));
            if let Some(stat) = host.stat(&path).await?
                && (stat.kind == FileKind::Symlink
                    || stat.kind == FileKind::File && stat.mode & 0o111 != 0)
            {
                return Ok(path);
            }
        }
        Err(ModuleError::failed(format!(
            "Unable to find command \"{program}\" in search paths: {}",
            self.search_paths.join(", ")
        )))
    }

    async fn current_boot(&self, host: &HostWriter<'_>) -> Result<String, ModuleError> {
        let output = host.run(sh(&self.boot_time_command)).await?;
        if output.rc != 0 {
            return Err(ModuleError::failed(format!(
                "failed to get host boot time info, rc: {}, stdout: {}, stderr: {}",
                output.rc,
                String::from_utf8_lossy(&output.stdout).trim(),
                output.stderr_text()
            )));
        }
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
    }

    /// Tries `attempt` until it succeeds or `deadline` passes, pausing 1, 2, 4, 8, then 12 s
    /// between tries; each try is cut off after the connect timeout.
    async fn until<F, Fut>(
        &self,
        what: &str,
        deadline: Instant,
        attempt: F,
    ) -> Result<(), ModuleError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<bool, ModuleError>>,
    {
        let mut pause = Duration::from_secs(1);
        loop {
            let why = match tokio::time::timeout(self.try_limit(), attempt()).await {
                Ok(Ok(true)) => return Ok(()),
                Ok(Ok(false)) => "not yet".to_string(),
                Ok(Err(error)) => error.to_string(),
                Err(_) => format!("no answer within {}s", self.try_limit().as_secs()),
            };
            tracing::debug!(what, why, "reboot: waiting");
            if Instant::now() + pause >= deadline {
                return Err(ModuleError::failed(format!(
                    "Timed out waiting for {what} (timeout={}): {why}",
                    self.reboot_timeout
                )));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(LONGEST_PAUSE);
        }
    }
}

impl Action for Reboot {
    const NAME: &'static str = "reboot";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for Reboot {
    type Plan = ();

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<()>, ModuleError> {
        if host.is_local() {
            return Err(ModuleError::failed(
                "Running reboot with local connection would reboot the control node.",
            ));
        }
        Ok(Check::Always(Change::new("reboot"), ()))
    }

    async fn apply(&self, _plan: (), host: &HostWriter<'_>) -> Result<Outcome, ModuleError> {
        let before = self.current_boot(host).await?;
        let (program, words) = self.command_words();
        let path = self.program_path(host, &program).await?;
        let script = format!("{} {words}", shell_words::quote(&path));
        let started = Instant::now();
        // A reboot may take the connection down before the command answers: that is success.
        match tokio::time::timeout(self.try_limit(), host.run(sh(&script))).await {
            Ok(Ok(output)) if output.rc != 0 => {
                return Err(ModuleError::failed(format!(
                    "Reboot command failed. Error was: '{}, {}'",
                    String::from_utf8_lossy(&output.stdout).trim(),
                    output.stderr_text()
                )));
            }
            Ok(Err(ModuleError::Connection(error))) => {
                tracing::debug!(%error, "reboot: the connection dropped under the reboot command")
            }
            Ok(Err(error)) => return Err(error),
            Ok(Ok(_)) | Err(_) => {}
        }
        tokio::time::sleep(Duration::from_secs(self.post_reboot_delay.max(0) as u64)).await;
        let deadline = started + Duration::from_secs(self.reboot_timeout);
        self.until("last boot time check", deadline, || async {
            let now = self.current_boot(host).await?;
            Ok(!now.is_empty() && now != before)
        })
        .await?;
        self.until("post-reboot test command", deadline, || async {
            Ok(host.run(sh(&self.test_command)).await?.rc == 0)
        })
        .await?;
        Ok(Outcome {
            data: vec![
                ("rebooted".into(), Value::from(true)),
                ("elapsed".into(), Value::from(started.elapsed().as_secs())),
            ],
            ..Outcome::default()
        })
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Reboots the host and waits for its new boot and its test command; never the controller.",
    check_mode: CheckMode::AlwaysChanges,
    diff: false,
    returns: &[
        ("rebooted", "true once it came back"),
        ("elapsed", "seconds from the reboot command to the test command's success"),
    ],
    example: "- reboot: { msg: kernel update, reboot_timeout: 900 }",
};
