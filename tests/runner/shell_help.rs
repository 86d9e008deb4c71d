//! What a shell and `man` get from numarun: `--version` names the commit it was built from,
//! the completion scripts load in bash, zsh and fish and complete numarun's own words, and the
//! manual pages render without a warning and list every option `--help` lists.

use crate::common;

use std::process::{Command, Output};

fn numarun(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_numarun")).args(args).output().expect("numarun runs")
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout.clone()).expect("UTF-8")
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("git");
    // Outside a git checkout (a source tarball) the build says so.
    let commit = match String::from_utf8_lossy(&head.stdout).trim() {
        hash if head.status.success() && hash.len() == 12 => hash.to_string(),
        _ => "unknown".to_string(),
    };
    let version = stdout(&numarun(&["--version"]));
    assert_eq!(version, format!("numarun {} (commit {commit})\n", env!("CARGO_PKG_VERSION")));
}

/// bash loads the script and, asked to complete `numarun pl` and `numarun play --ch`, offers
/// `play` and `--check`.
#[test]
fn bash_completes_subcommands_and_flags() {
    if !common::have("bash") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("numarun.bash");
    std::fs::write(&script, stdout(&numarun(&["completions", "bash"]))).unwrap();
    let complete = |words: &str| {
        let program = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
             COMP_LINE=\"${{COMP_WORDS[*]}}\"; COMP_POINT=${{#COMP_LINE}}; \
             _numarun numarun \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display()
        );
        let out = Command::new("bash").args(["-c", &program]).output().unwrap();
        stdout(&out).lines().map(String::from).collect::<Vec<_>>()
    };
    assert_eq!(complete("numarun pl"), ["play"]);
    assert!(complete("numarun play --ch").contains(&"--check".to_string()));
    assert!(complete("numarun completions ''").contains(&"fish".to_string()));
}

/// zsh and fish read their scripts without a syntax error, and each names play's flags.
#[test]
fn zsh_and_fish_read_their_scripts() {
    for (shell, check) in [("zsh", &["-n"][..]), ("fish", &["--no-execute"][..])] {
        if !common::have(shell) {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join(format!("numarun.{shell}"));
        let text = stdout(&numarun(&["completions", shell]));
        assert!(text.contains("check") && text.contains("start-at-task"), "{shell}: {text}");
        std::fs::write(&script, text).unwrap();
        let read = Command::new(shell).args(check).arg(&script).output().unwrap();
        assert!(read.status.success(), "{shell}: {}", String::from_utf8_lossy(&read.stderr));
    }
}

/// Each page renders through groff with every warning on and none printed, and holds every
/// long option its `--help` shows.
#[test]
fn manual_pages_render_and_list_every_option() {
    if !common::have("groff") {
        return;
    }
    let subcommands = ["play", "validate", "doc", "schema", "completions", "man"];
    for sub in std::iter::once(None).chain(subcommands.map(Some)) {
        let mut args = vec!["man"];
        args.extend(sub);
        let roff = stdout(&numarun(&args));
        let dir = tempfile::tempdir().unwrap();
        let page = dir.path().join("page.1");
        std::fs::write(&page, &roff).unwrap();
        let render = Command::new("groff")
            // -P -cbou: plain text, no overstriking or escapes to compare through.
            .args(["-man", "-Tutf8", "-ww", "-P", "-cbou"])
            .arg(&page)
            .env("LC_ALL", "C.UTF-8")
            .output()
            .unwrap();
        assert!(
            render.status.success() && render.stderr.is_empty(),
            "{sub:?}: {}",
            String::from_utf8_lossy(&render.stderr)
        );
        let text = String::from_utf8_lossy(&render.stdout).replace(['\u{2010}', '\u{2212}'], "-");
        let help: Vec<&str> = sub.into_iter().chain(["--help"]).collect();
        let help = stdout(&numarun(&help));
        // The options as `--help` defines them: each line that starts with one, up to its text.
        let defined = help.lines().map(str::trim_start).filter(|l| l.starts_with('-'));
        let flags =
            defined.flat_map(|l| l.split("  ").next().unwrap_or_default().split([',', ' ']));
        for flag in flags.filter(|w| w.starts_with("--")).map(|w| w.trim_end_matches(".")) {
            assert!(text.contains(flag), "{sub:?}: the page lacks {flag}:\n{text}");
        }
    }
    let missing = numarun(&["man", "plya"]);
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr)
            .contains("no subcommand `plya`: numarun's are play")
    );
}
