//! `numarun doc` and `numarun schema`: what numarun accepts, for a person and for an editor.

use clap::Args;

use crate::diag::{Diag, DiagKind, did_you_mean};
use crate::exit::ExitCode;
use crate::modules::registry;
use crate::reference::module_page;
use crate::reference::schema::{Kind, document};

#[derive(Args, Debug)]
pub struct DocArgs {
    /// A module (`copy`, `ansible.builtin.copy`); without one, every module in a line.
    module: Option<String>,
    /// Every module's page as one Markdown document (the project's `docs/modules.md`).
    #[arg(long, conflicts_with = "module")]
    markdown: bool,
}

#[derive(Args, Debug)]
pub struct SchemaArgs {
    /// Which file the schema is for.
    #[arg(value_enum, default_value = "playbook")]
    kind: Kind,
}

/// Prints the module list, or a module's page.
pub fn doc(args: DocArgs) -> Result<ExitCode, Diag> {
    if args.markdown {
        print!("{}", module_page::markdown());
        return Ok(ExitCode::Ok);
    }
    let Some(name) = args.module else {
        print!("{}", module_page::list());
        return Ok(ExitCode::Ok);
    };
    let Some(spec) = registry::lookup(&name) else {
        return Err(Diag::new(
            DiagKind::UnknownKey {
                what: "module",
                key: name.clone(),
                did_you_mean: did_you_mean(&name, registry::names()),
            },
            None,
        )
        .with_help("`numarun doc` lists every module"));
    };
    print!("{}", module_page::page(spec));
    Ok(ExitCode::Ok)
}

/// Prints the JSON Schema for a kind of file.
pub fn schema(args: SchemaArgs) -> Result<ExitCode, Diag> {
    let text = serde_json::to_string_pretty(&document(args.kind)).expect("a schema is JSON");
    println!("{text}");
    Ok(ExitCode::Ok)
}
