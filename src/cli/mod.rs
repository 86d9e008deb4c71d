//! The command line: its subcommands, located errors rendered with the line they point at, and
//! an exit code for every ending.

mod ansible_cfg;
mod logging;
mod play;
mod prompts;
mod reference;
mod shell_help;
mod validate;
mod vault_passwords;

use std::io::IsTerminal;

use clap::{CommandFactory, Parser, Subcommand};

use crate::diag::Diag;
use crate::exit::ExitCode;
use play::{PlayArgs, play};
use reference::{DocArgs, SchemaArgs, doc, schema};
use shell_help::{CompletionsArgs, ManArgs, completions, man};
use validate::{ValidateArgs, validate};

/// The version and the commit it was built from (`build.rs`).
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("NUMARUN_COMMIT"), ")");

/// The command line as clap parses it.
#[derive(Parser, Debug)]
#[command(
    name = "numarun",
    version = VERSION,
    about = "Agentless, idempotent orchestration for NUMA-pinned VM clusters"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a playbook, phase by phase.
    Play(PlayArgs),
    /// Check a VM plan against a host's NUMA topology and draw its placement.
    Validate(ValidateArgs),
    /// Describe the modules: a line each, or one module's arguments, check mode and results.
    Doc(DocArgs),
    /// Print a JSON Schema for playbooks, task files or inventories, for an editor.
    Schema(SchemaArgs),
    /// Print a completion script for bash, zsh or fish.
    Completions(CompletionsArgs),
    /// Print a manual page (roff) for numarun or one of its subcommands.
    Man(ManArgs),
}

/// Runs the command line and returns the process's exit code.
pub fn main() -> i32 {
    std::panic::set_hook(Box::new(|info| {
        let at =
            info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .copied()
            .or(info.payload().downcast_ref::<String>().map(String::as_str));
        eprintln!(
            "error: internal error{at}: {}; this is a bug in numarun, please report it",
            what.unwrap_or("a panic")
        );
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::Usage } else { ExitCode::Ok }.code();
        }
    };
    match cli.command {
        Command::Play(args) => play(args),
        Command::Validate(args) => validate(args),
        Command::Doc(args) => doc(args),
        Command::Schema(args) => schema(args),
        Command::Completions(args) => completions(args, Cli::command()),
        Command::Man(args) => man(args, Cli::command()),
    }
    .unwrap_or_else(|diag| {
        eprintln!("{}", render(&diag));
        ExitCode::Invalid
    })
    .code()
}

/// A located error as text: message, the offending line, the help.
pub fn render(diag: &Diag) -> String {
    let colored = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let theme = if colored {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let mut out = String::new();
    match miette::GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .render_report(&mut out, diag)
    {
        Ok(()) => format!("error: {}", out.trim_start_matches(['×', ' ']).trim_end()),
        Err(_) => format!("error: {diag}"),
    }
}
