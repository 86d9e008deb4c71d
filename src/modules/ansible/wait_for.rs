//! `wait_for`: waits on the host until a path exists (or holds a match, or is gone) or a TCP
//! port accepts (or refuses) connections, up to `timeout` seconds. The wait runs on the host
//! in one command, so a slow condition costs one round trip, not one per poll.

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use crate::connection::Command;
use crate::diag::Diag;
use crate::modules::contract::{Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
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

/// Polls `$CONDITION` every `$SLEEP` seconds after `$DELAY`, until it holds (exit 0) or
/// `$TIMEOUT` seconds have passed (exit 3); prints the whole seconds it took, as ansible-core
/// counts them (by the nanosecond clock: a whole-second clock would count a tick as a second).
const WAIT: &str = r#"start=$(date +%s%N)
took() { echo $(( ($(date +%s%N) - start) / 1000000000 )); }
sleep "$DELAY"
while :; do
  if eval "$CONDITION"; then took; exit 0; fi
  if [ "$(took)" -ge "$TIMEOUT" ]; then took; exit 3; fi
  sleep "$SLEEP"
done
"#;

/// Whether `$HOST:$PORT` accepts a TCP connection, by the first of Perl, bash's `/dev/tcp` and
/// `nc` the host has (a host without Perl is served by numarun's shell, see `connection`).
const PORT_OPEN: &str = r#"if command -v perl >/dev/null 2>&1; then perl -MIO::Socket::INET -e 'exit(IO::Socket::INET->new(PeerAddr => $ARGV[0], PeerPort => $ARGV[1], Proto => "tcp", Timeout => 1) ? 0 : 1)' "$HOST" "$PORT"; elif command -v bash >/dev/null 2>&1; then timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$HOST" "$PORT" 2>/dev/null; else nc -z -w 1 "$HOST" "$PORT"; fi"#;

impl WaitFor {
    fn condition(&self) -> String {
        match (&self.path, self.port, self.state) {
            (Some(_), _, State::Absent | State::Stopped) => r#"[ ! -e "$WAIT_PATH" ]"#.into(),
            (Some(_), _, _) if self.search_regex.is_some() => {
                r#"[ -r "$WAIT_PATH" ] && grep -qE -- "$SEARCH" "$WAIT_PATH""#.into()
            }
            (Some(_), _, _) => r#"[ -e "$WAIT_PATH" ]"#.into(),
            (None, Some(_), State::Stopped | State::Absent) => format!("! {{ {PORT_OPEN}; }}"),
            (None, Some(_), _) => PORT_OPEN.into(),
            (None, None, _) => "true".into(),
        }
    }

    fn what(&self) -> String {
        match (&self.path, self.port) {
            (Some(path), _) => format!("file {path}"),
            (None, Some(port)) => format!("{}:{port}", self.host),
            (None, None) => "nothing".into(),
        }
    }
}

#[async_trait]
impl Module for WaitFor {
    type Plan = ();

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<()>, ModuleError> {
        let mut wait = Command::argv(["/bin/sh", "-c", WAIT]);
        wait.env = vec![
            ("CONDITION".into(), self.condition()),
            ("DELAY".into(), self.delay.to_string()),
            ("TIMEOUT".into(), self.timeout.to_string()),
            ("SLEEP".into(), self.sleep.max(1).to_string()),
            ("WAIT_PATH".into(), self.path.clone().unwrap_or_default()),
            ("SEARCH".into(), self.search_regex.clone().unwrap_or_default()),
            ("HOST".into(), self.host.clone()),
            ("PORT".into(), self.port.map(|p| p.to_string()).unwrap_or_default()),
        ];
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
