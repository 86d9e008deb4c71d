//! `command` (no shell) and `shell`: run a program, guarded by `creates`,
//! `removes` or a read-only `check:` command so they can be idempotent and
//! honest in check mode.

use std::collections::BTreeMap;

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use crate::connection::{Command, PlannedRead, Program, shell_words};
use crate::diag::Diag;
use crate::modules::action::Action;
use crate::modules::contract::{Change, Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::modules::probe::Probe;
use crate::yaml::Node;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommandArgs {
    cmd: Option<String>,
    argv: Option<Vec<String>>,
    /// Skip when this path exists.
    creates: Option<String>,
    /// Skip when this path does not exist.
    removes: Option<String>,
    /// A read-only shell command: exit 0 means there is nothing to do.
    check: Option<String>,
    chdir: Option<String>,
    stdin: Option<String>,
    #[serde(default = "yes")]
    stdin_add_newline: bool,
    #[serde(default)]
    env: BTreeMap<String, String>,
    executable: Option<String>,
    /// Trailing line ends taken off stdout and stderr, as Ansible's default.
    #[serde(default = "yes")]
    strip_empty_ends: bool,
    /// `command`'s `$VAR` and `~` in its words expanded with the host's environment.
    #[serde(default = "yes")]
    expand_argument_vars: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct CommandModule(CommandArgs);

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct ShellModule(CommandArgs);

impl CommandArgs {
    fn program(&self, shell: bool) -> Result<Program, ModuleError> {
        match (&self.cmd, &self.argv) {
            (Some(script), None) if shell => Ok(Program::Shell {
                script: script.clone(),
                executable: self.executable.clone().unwrap_or_else(|| "/bin/sh".into()),
            }),
            (Some(cmd), None) => {
                Ok(Program::Argv(shell_words::split(cmd).map_err(ModuleError::failed)?))
            }
            (None, Some(argv)) if !argv.is_empty() => Ok(Program::Argv(argv.clone())),
            _ => {
                Err(ModuleError::failed("give the command as `cmd` (a string) or `argv` (a list)"))
            }
        }
    }

    fn validate(&self, args: &Node, shell: bool) -> Result<(), Diag> {
        let problem = match (&self.cmd, &self.argv) {
            (None, None) => Some("give the command as `cmd` (or the module's value) or `argv`"),
            (Some(_), Some(_)) => Some("give `cmd` or `argv`, not both"),
            (None, Some(_)) if shell => {
                Some("`shell` takes a script in `cmd`; use `command` for `argv`")
            }
            _ if !shell && self.executable.is_some() => Some("`executable` belongs to `shell`"),
            _ => None,
        };
        match problem {
            Some(message) => Err(Diag::invalid(&args.span, message)),
            None => Ok(()),
        }
    }

    fn command(&self, shell: bool) -> Result<Command, ModuleError> {
        let mut command = Command::argv(Vec::<String>::new());
        command.program = self.program(shell)?;
        command.cwd = self.chdir.clone();
        command.env = self.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        command.stdin = self.stdin.as_ref().map(|s| {
            let mut input = s.clone().into_bytes();
            if self.stdin_add_newline {
                input.push(b'\n');
            }
            input
        });
        Ok(command)
    }

    /// `creates` or `removes`: the one path the check looks at.
    fn planned_reads(&self) -> Vec<PlannedRead> {
        let path = self.creates.as_ref().or(self.removes.as_ref()).filter(|_| self.chdir.is_none());
        path.map(|p| PlannedRead { path: p.clone(), content: false }).into_iter().collect()
    }

    async fn check(
        &self,
        host: &HostReader<'_>,
        shell: bool,
    ) -> Result<Check<Command>, ModuleError> {
        let command = self.command(shell)?;
        let would_run =
            || Check::Change(Change::new(format!("run {}", command.display())), command.clone());
        if let Some(path) = &self.creates {
            return Ok(match host.stat(path).await? {
                Some(_) => Check::Ok(Outcome::msg(format!("{path} exists"))),
                None => would_run(),
            });
        }
        if let Some(path) = &self.removes {
            return Ok(match host.stat(path).await? {
                None => Check::Ok(Outcome::msg(format!("{path} does not exist"))),
                Some(_) => would_run(),
            });
        }
        if let Some(probe) = &self.check {
            // The user's word that this command only looks.
            let output = host.probe(Probe::users_check(probe, self.chdir.clone())).await?;
            return Ok(if output.rc == 0 {
                Check::Ok(Outcome::msg("check passed"))
            } else {
                would_run()
            });
        }
        let reason = "a command without `creates`, `removes` or `check` cannot be checked without running it";
        Ok(Check::Unknown(reason.into(), command))
    }

    async fn apply(
        &self,
        mut command: Command,
        host: &HostWriter<'_>,
    ) -> Result<Outcome, ModuleError> {
        if self.expand_argument_vars {
            expand_words(&mut command, host).await?;
        }
        let output = host.run(command.clone()).await?;
        let text = |bytes: &[u8]| {
            let text = String::from_utf8_lossy(bytes);
            match self.strip_empty_ends {
                true => text.trim_end_matches(['\r', '\n']).to_string(),
                false => text.into_owned(),
            }
        };
        let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
        let lines = |s: &str| Value::from(s.lines().map(str::to_string).collect::<Vec<_>>());
        let failed = output.rc != 0;
        let msg = failed.then(|| {
            format!(
                "`{}` exited with {}{}",
                command.display(),
                output.rc,
                if stderr.is_empty() { String::new() } else { format!(": {stderr}") }
            )
        });
        Ok(Outcome {
            failed,
            msg,
            data: vec![
                ("rc".into(), Value::from(output.rc)),
                ("stdout_lines".into(), lines(&stdout)),
                ("stderr_lines".into(), lines(&stderr)),
                ("stdout".into(), Value::from(stdout)),
                ("stderr".into(), Value::from(stderr)),
                ("cmd".into(), Value::from(command.display())),
            ],
            ..Outcome::default()
        })
    }
}

impl Action for CommandModule {
    const NAME: &'static str = "command";
    const FREE_FORM: Option<&'static str> = Some("cmd");
    const DOC: &'static ModuleDoc = &COMMAND_DOC;
}

#[async_trait]
impl Module for CommandModule {
    /// The command to run, built once.
    type Plan = Command;

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Command>, ModuleError> {
        self.0.check(host, false).await
    }
    async fn apply(&self, command: Command, host: &HostWriter<'_>) -> Result<Outcome, ModuleError> {
        self.0.apply(command, host).await
    }
    fn validate(&self, args: &Node) -> Result<(), Diag> {
        self.0.validate(args, false)
    }
    fn planned_reads(&self) -> Vec<PlannedRead> {
        self.0.planned_reads()
    }
}

impl Action for ShellModule {
    const NAME: &'static str = "shell";
    const FREE_FORM: Option<&'static str> = Some("cmd");
    const DOC: &'static ModuleDoc = &SHELL_DOC;
}

#[async_trait]
impl Module for ShellModule {
    /// The command to run, built once.
    type Plan = Command;

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Command>, ModuleError> {
        self.0.check(host, true).await
    }
    async fn apply(&self, command: Command, host: &HostWriter<'_>) -> Result<Outcome, ModuleError> {
        self.0.apply(command, host).await
    }
    fn validate(&self, args: &Node) -> Result<(), Diag> {
        self.0.validate(args, true)
    }
    fn planned_reads(&self) -> Vec<PlannedRead> {
        self.0.planned_reads()
    }
}

/// `command`'s words with `$NAME`, `${NAME}` and a leading `~` expanded from the host's
/// environment, as Ansible's `command` does (Python's `expandvars` and `expanduser`: a name
/// not set stays as written). The environment is asked for only when a word needs it.
async fn expand_words(command: &mut Command, host: &HostWriter<'_>) -> Result<(), ModuleError> {
    let Program::Argv(argv) = &mut command.program else { return Ok(()) };
    if !argv.iter().any(|w| w.contains('$') || w.starts_with('~')) {
        return Ok(());
    }
    let mut env = Command::argv(["env"]);
    env.env = command.env.clone();
    let listing = host.stdout_of(env, "env").await?;
    let vars: BTreeMap<&str, &str> = listing.lines().filter_map(|l| l.split_once('=')).collect();
    let re = regex::Regex::new(r"\$(\w+|\{[^}]*\})").expect("valid");
    for word in argv.iter_mut() {
        let mut expanded = re
            .replace_all(word, |c: &regex::Captures| {
                let name = c[1].trim_start_matches('{').trim_end_matches('}');
                vars.get(name).map_or_else(|| c[0].to_string(), |v| v.to_string())
            })
            .into_owned();
        if (expanded == "~" || expanded.starts_with("~/"))
            && let Some(home) = vars.get("HOME")
        {
            expanded = format!("{home}{}", &expanded[1..]);
        }
        *word = expanded;
    }
    Ok(())
}

/// What `numarun doc` says of it.
pub const COMMAND_DOC: ModuleDoc = ModuleDoc {
    summary: "Runs a program with its arguments, no shell involved.",
    check_mode: CheckMode::Unknown,
    diff: false,
    returns: &[
        ("cmd", "the command as run"),
        ("rc", "its exit status"),
        ("stdout", "its output"),
        ("stderr", "its errors"),
        ("stdout_lines", "stdout, a line each"),
        ("stderr_lines", "stderr, a line each"),
    ],
    example: "- command: { cmd: /usr/bin/make install, chdir: /opt/app, creates: /usr/local/bin/app }",
};

/// What `numarun doc` says of it.
pub const SHELL_DOC: ModuleDoc = ModuleDoc {
    summary: "Runs a script through /bin/sh (or `executable`).",
    check_mode: CheckMode::Unknown,
    diff: false,
    returns: &[
        ("cmd", "the script as run"),
        ("rc", "its exit status"),
        ("stdout", "its output"),
        ("stderr", "its errors"),
        ("stdout_lines", "stdout, a line each"),
        ("stderr_lines", "stderr, a line each"),
    ],
    example: "- shell: { cmd: \"ls /etc | wc -l > /tmp/count\", creates: /tmp/count }",
};
