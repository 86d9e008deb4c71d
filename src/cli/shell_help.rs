//! What a shell and `man` need of numarun: completion scripts and manual pages, both made by
//! clap from the same command line that parses the arguments, so neither can drift from it.

use crate::diag::{Diag, DiagKind};
use crate::exit::ExitCode;
use clap::{Args, ValueEnum};

/// The shells numarun writes completions for.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    shell: Shell,
}

#[derive(Args, Debug)]
pub struct ManArgs {
    /// A subcommand's own page (`play` is numarun-play(1)); numarun(1) without one.
    subcommand: Option<String>,
}

/// Writes the completion script for a shell to stdout; `cli` is numarun's command line.
pub fn completions(args: CompletionsArgs, mut cli: clap::Command) -> Result<ExitCode, Diag> {
    let shell = match args.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(shell, &mut cli, "numarun", &mut std::io::stdout());
    Ok(ExitCode::Ok)
}

/// Writes a manual page to stdout as roff: numarun(1), or numarun-SUBCOMMAND(1); `top` is
/// numarun's command line.
pub fn man(args: ManArgs, top: clap::Command) -> Result<ExitCode, Diag> {
    let version = top.get_version().unwrap_or_default().to_string();
    let page = match args.subcommand {
        None => clap_mangen::Man::new(top),
        Some(name) => {
            let names: Vec<&str> = top.get_subcommands().map(|s| s.get_name()).collect();
            let Some(sub) = top.find_subcommand(&name) else {
                return Err(Diag::new(
                    DiagKind::Invalid(format!(
                        "no subcommand `{name}`: numarun's are {}",
                        names.join(", ")
                    )),
                    None,
                ));
            };
            let title = format!("numarun-{name}");
            clap_mangen::Man::new(sub.clone().name(title.clone()))
                .title(title)
                .source(format!("numarun {version}"))
        }
    };
    let mut roff = Vec::new();
    page.render(&mut roff)
        .and_then(|()| std::io::Write::write_all(&mut std::io::stdout(), &roff))
        .map_err(|e| {
            Diag::new(DiagKind::Invalid(format!("cannot write the manual page: {e}")), None)
        })?;
    Ok(ExitCode::Ok)
}
