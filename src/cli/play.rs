//! `numarun play`: `ansible-playbook`'s flags, turned into a validated run.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{ArgAction, Args};

use super::ansible_cfg::AnsibleConfig;
use super::vault_passwords::VaultArgs;
use crate::diag::{Diag, DiagKind, Source};
use crate::engine::{Engine, RunOptions};
use crate::exit::ExitCode;
use crate::file_error::FileError;
use crate::model::{Inventory, Playbook};
use crate::report::{Bus, JsonLog, Reporter, Terminal};
use crate::schedule::{self, ScheduledPlay, Selection, step_tags};
use crate::vars::VarMap;
use crate::yaml;

#[derive(Args, Debug)]
pub(super) struct PlayArgs {
    playbook: PathBuf,
    /// Inventory file (YAML or INI), repeatable: later files add hosts and groups and win on
    /// variables. Without one, ansible.cfg's `inventory`, or else only `localhost`.
    #[arg(short = 'i', long = "inventory")]
    inventory: Vec<PathBuf>,
    /// Run only steps with these tags (comma-separated, repeatable).
    #[arg(short = 't', long = "tags", value_delimiter = ',')]
    tags: Vec<String>,
    /// Skip steps with these tags.
    #[arg(long = "skip-tags", value_delimiter = ',')]
    skip_tags: Vec<String>,
    /// Change nothing; report what would change.
    #[arg(short = 'C', long = "check")]
    check: bool,
    /// Show unified diffs of file changes.
    #[arg(short = 'D', long = "diff")]
    diff: bool,
    /// Further limit the hosts (a host pattern).
    #[arg(short = 'l', long = "limit")]
    limit: Option<String>,
    /// Extra variables: KEY=VALUE, a YAML/JSON mapping, or @FILE. Highest precedence.
    #[arg(short = 'e', long = "extra-vars")]
    extra_vars: Vec<String>,
    /// Hosts to run at once (default: ansible.cfg's `forks`, or 5).
    #[arg(short = 'f', long = "forks")]
    forks: Option<usize>,
    /// More output (-v shows ok and skipped steps).
    #[arg(short = 'v', long = "verbose", action = ArgAction::Count)]
    verbose: u8,
    #[arg(long = "list-tags")]
    list_tags: bool,
    #[arg(long = "list-hosts")]
    list_hosts: bool,
    #[arg(long = "list-tasks")]
    list_tasks: bool,
    /// Parse and validate everything, run nothing.
    #[arg(long = "syntax-check")]
    syntax_check: bool,
    /// Write one JSON event per line to FILE.
    #[arg(long = "json-log")]
    json_log: Option<PathBuf>,
    /// Ask for the sudo password once, on the terminal (it goes to sudo on stdin).
    #[arg(short = 'K', long = "ask-become-pass")]
    ask_become_pass: bool,
    /// Write numarun's internal diagnostics (debug level, or as NUMARUN_LOG says) to FILE.
    #[arg(long = "log-file")]
    log_file: Option<PathBuf>,
    /// Start at the first step with this name (or matching it as a glob).
    #[arg(long = "start-at-task")]
    start_at_task: Option<String>,
    /// Run the notified handlers of a host even when it failed.
    #[arg(long = "force-handlers")]
    force_handlers: bool,
    #[command(flatten)]
    vault: VaultArgs,
}

pub(super) fn play(args: PlayArgs) -> Result<ExitCode, Diag> {
    super::logging::start(args.verbose, args.log_file.as_deref())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| {
            Diag::new(DiagKind::Invalid(format!("cannot start the runtime: {e}")), None)
        })?;
    // Listening from the start: an interrupt while the playbook loads stops the run before it begins.
    let stops = runtime.block_on(async { Stops::listen() });
    let config = AnsibleConfig::load()?;
    tracing::debug!(file = ?config.file, "ansible configuration");
    // Before anything is read: any file read may be vaulted.
    crate::vault::install(
        args.vault.keyring(&config.vault_identities, config.vault_password_file.as_deref())?,
    );
    let mut playbook = Playbook::load_with(&args.playbook, &config.load)?;
    let inventories = if args.inventory.is_empty() { &config.inventory } else { &args.inventory };
    let mut inventory = match inventories.is_empty() {
        false => Inventory::load_all(inventories)?,
        true => Inventory::implicit(),
    };
    inventory.set_defaults(config.host_defaults.clone());
    let same_dir = |a: &Path, b: &Path| a.canonicalize().ok() == b.canonicalize().ok();
    if !inventory.dir.as_deref().is_some_and(|dir| same_dir(dir, playbook.dir())) {
        inventory.read_var_dirs(playbook.dir())?;
    }
    let mut extra_vars = VarMap::default();
    for spec in &args.extra_vars {
        extra_vars.extend(parse_extra_vars(spec)?);
    }
    let listing = args.syntax_check || args.list_hosts || args.list_tasks || args.list_tags;
    let prompted_secrets = match listing {
        true => Vec::new(),
        false => super::prompts::answer(&mut playbook, &extra_vars)?,
    };
    let selection = Selection {
        tags: args.tags.clone(),
        skip_tags: args.skip_tags.clone(),
        limit: args.limit.clone(),
        start_at_task: args.start_at_task.clone(),
    };
    let plans = schedule::schedule(&playbook, &inventory, &selection)?;

    if args.syntax_check {
        println!("playbook: {}", args.playbook.display());
        return Ok(ExitCode::Ok);
    }
    if args.list_hosts || args.list_tasks || args.list_tags {
        print_listing(&args, &plans);
        return Ok(ExitCode::Ok);
    }

    let mut reporters: Vec<Box<dyn Reporter>> =
        vec![Box::new(Terminal::new(args.verbose, args.diff))];
    if let Some(path) = &args.json_log {
        let log = JsonLog::create(path).map_err(|e| FileError::create(path, e))?;
        reporters.push(Box::new(log));
    }
    let bus = Arc::new(Bus::new(reporters));
    prompted_secrets.iter().for_each(|secret| bus.redactor.add(secret));
    let become_password = match args.ask_become_pass {
        true => Some(rpassword::prompt_password("BECOME password: ").map_err(|e| {
            Diag::new(DiagKind::Invalid(format!("cannot read the password: {e}")), None)
        })?),
        false => None,
    };
    // Absolute, as Ansible's `playbook_dir`.
    let playbook_dir =
        playbook.dir().canonicalize().unwrap_or_else(|_| playbook.dir().to_path_buf());
    let options = RunOptions {
        check: args.check,
        diff: args.diff,
        forks: args.forks.or(config.forks).unwrap_or(5),
        extra_vars,
        playbook_dir,
        become_password,
        force_handlers: args.force_handlers || config.force_handlers,
        selection,
    };
    let engine = Engine::new(&inventory, options, bus);
    let summary = runtime.block_on(stops.run_until_done(
        &engine,
        &args.playbook.display().to_string(),
        &plans,
    ));
    Ok(summary.exit_code())
}

/// SIGINT and SIGTERM: the first stops the run cleanly, a second one at once.
struct Stops {
    signals: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Stops {
    fn listen() -> Stops {
        use tokio::signal::unix::{SignalKind, signal};
        Stops {
            signals: signal(SignalKind::interrupt()).ok().zip(signal(SignalKind::terminate()).ok()),
        }
    }

    async fn run_until_done(
        mut self,
        engine: &Engine,
        playbook: &str,
        plans: &[ScheduledPlay<'_>],
    ) -> crate::engine::Summary {
        let Some((interrupts, terminations)) = self.signals.as_mut() else {
            return engine.run(playbook, plans).await;
        };
        let run = engine.run(playbook, plans);
        tokio::pin!(run);
        loop {
            tokio::select! {
                summary = &mut run => return summary,
                _ = interrupts.recv() => {}
                _ = terminations.recv() => {}
            }
            if engine.is_interrupted() {
                std::process::exit(ExitCode::Interrupted.code());
            }
            engine.interrupt();
        }
    }
}

/// `-e KEY=VALUE KEY2=VALUE`, `-e '{"k": 1}'` (YAML or JSON) or `-e @vars.yaml`.
fn parse_extra_vars(spec: &str) -> Result<VarMap, Diag> {
    if let Some(file) = spec.strip_prefix('@') {
        return VarMap::from_node(&yaml::load_file(Path::new(file))?);
    }
    if spec.trim_start().starts_with('{') {
        return VarMap::from_node(&yaml::load_str(Source::new("<-e>", spec))?);
    }
    let mut vars = VarMap::default();
    let words = crate::connection::shell_words::split(spec)
        .map_err(|e| Diag::new(DiagKind::Invalid(format!("-e: {e}")), None))?;
    for word in words {
        let (key, value) = word.split_once('=').ok_or_else(|| {
            Diag::new(
                DiagKind::Invalid(format!("-e `{word}`: expected KEY=VALUE, a mapping, or @FILE")),
                None,
            )
        })?;
        if !crate::vars::is_identifier(key) {
            return Err(Diag::new(
                DiagKind::Invalid(format!("-e: `{key}` is not a valid variable name")),
                None,
            ));
        }
        vars.insert_value(key, value.into());
    }
    Ok(vars)
}

fn print_listing(args: &PlayArgs, plans: &[ScheduledPlay]) {
    println!("playbook: {}", args.playbook.display());
    for plan in plans {
        println!(
            "\n  phase: {} ({} hosts) tags: [{}]",
            plan.phase.name,
            plan.hosts.len(),
            plan.phase.tags.join(", ")
        );
        if args.list_hosts {
            for host in &plan.hosts {
                println!("    {host}");
            }
        }
        if args.list_tasks {
            for step in &plan.steps {
                println!(
                    "    {}  tags: [{}]",
                    step.step.title(),
                    step_tags(plan.phase, step.step).join(", ")
                );
            }
        }
        if args.list_tags {
            let mut tags: Vec<String> =
                plan.steps.iter().flat_map(|s| step_tags(plan.phase, s.step)).collect();
            tags.sort();
            tags.dedup();
            println!("    tags: [{}]", tags.join(", "));
        }
    }
}
