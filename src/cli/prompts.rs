//! `vars_prompt`, asked on the terminal before the run: a private answer is typed with echo off
//! and is a secret; an empty one takes the default; `confirm` asks twice. A variable `-e`
//! already sets is not asked for. Without a terminal, the default is the answer, and a prompt
//! with none stops the run before it starts, saying how to give the value.

use std::io::{BufRead, IsTerminal, Write};

use crate::diag::{Diag, DiagKind};
use crate::model::Playbook;
use crate::model::prompt::Prompt;
use crate::vars::VarMap;

/// Answers every phase's prompts; the private answers, which are secrets.
pub(super) fn answer(playbook: &mut Playbook, extra_vars: &VarMap) -> Result<Vec<String>, Diag> {
    let terminal = std::io::stdin().is_terminal();
    let mut secrets = Vec::new();
    playbook.answer_prompts(|prompt| {
        if extra_vars.get(&prompt.name).is_some() {
            return Ok(None);
        }
        let answer = match (terminal, &prompt.default) {
            (true, _) => ask(prompt)?,
            (false, Some(default)) => default.clone(),
            (false, None) => {
                return Err(Diag::invalid(
                    &prompt.span,
                    format!(
                        "`vars_prompt` asks for `{}`, and there is no terminal to ask on",
                        prompt.name
                    ),
                )
                .with_help(format!("pass -e {}=…, or give the prompt a `default`", prompt.name)));
            }
        };
        if prompt.private {
            secrets.push(answer.clone());
        }
        Ok(Some(answer))
    })?;
    Ok(secrets)
}

/// Asks on the terminal until the answer (and its confirmation) is had.
fn ask(prompt: &Prompt) -> Result<String, Diag> {
    let shown = match &prompt.default {
        Some(default) if !prompt.private => format!("{} [{default}]: ", prompt.text),
        _ => format!("{}: ", prompt.text),
    };
    loop {
        let first = read(prompt, &shown)?;
        if prompt.confirm && read(prompt, &format!("confirm {shown}"))? != first {
            eprintln!("the two answers differ; again");
            continue;
        }
        return Ok(match (first.is_empty(), &prompt.default) {
            (true, Some(default)) => default.clone(),
            _ => first,
        });
    }
}

fn read(prompt: &Prompt, shown: &str) -> Result<String, Diag> {
    let failed = |e: std::io::Error| {
        Diag::new(DiagKind::Invalid(format!("cannot read `{}`: {e}", prompt.name)), None)
    };
    if prompt.private {
        return rpassword::prompt_password(shown).map_err(failed);
    }
    eprint!("{shown}");
    std::io::stderr().flush().map_err(failed)?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(failed)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}
