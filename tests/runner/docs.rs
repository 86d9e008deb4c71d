//! The documentation holds to what numarun does: the README is a front door of at most 200
//! lines that links every page under `docs/`; the module and command-line pages are what
//! `numarun doc --markdown` and `numarun man --markdown` print today; no page cites the
//! tracker's issue numbers; and the README's first playbook and inventory load.

use crate::common;

use std::path::Path;

use common::Test;

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(name: &str) -> String {
    std::fs::read_to_string(repository().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn printed(args: &[&str]) -> String {
    let out =
        std::process::Command::new(env!("CARGO_BIN_EXE_numarun")).args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// A generated page equals what numarun prints now; the message says how to make it again.
fn assert_generated(page: &str, args: &[&str]) {
    assert!(
        read(page) == printed(args),
        "{page} is not what `numarun {}` prints: run `cargo run -- {0} > {page}`",
        args.join(" ")
    );
}

#[test]
fn the_module_page_is_what_numarun_doc_prints() {
    assert_generated("docs/modules.md", &["doc", "--markdown"]);
}

#[test]
fn the_command_line_page_is_what_help_prints() {
    assert_generated("docs/cli.md", &["man", "--markdown"]);
}

#[test]
fn the_readme_fits_a_screen_of_pages_and_links_every_doc() {
    let readme = read("README.md");
    let lines = readme.lines().count();
    assert!(lines <= 200, "README.md has {lines} lines; the manual belongs in docs/");
    let mut pages: Vec<String> = std::fs::read_dir(repository().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md"))
        .collect();
    pages.sort();
    assert!(pages.len() >= 10, "docs/ holds {pages:?}");
    for page in pages {
        assert!(readme.contains(&format!("(docs/{page})")), "README.md does not link docs/{page}");
    }
}

#[test]
fn no_page_cites_an_issue_number() {
    let issue = regex::Regex::new(r"(?i)\bissues? #?\d+").unwrap();
    let mut pages = vec!["README.md".to_string(), "ARCHITECTURE.md".into(), "SECURITY.md".into()];
    for entry in std::fs::read_dir(repository().join("docs")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") {
            pages.push(format!("docs/{name}"));
        }
    }
    for page in pages {
        for (n, line) in read(&page).lines().enumerate() {
            assert!(!issue.is_match(line), "{page}:{}: cites an issue: {line}", n + 1);
        }
    }
}

/// The YAML blocks of the README's "A first playbook", in order: the playbook, the inventory.
fn first_playbook_blocks(readme: &str) -> Vec<String> {
    let section = readme.split("## A first playbook").nth(1).expect("the section").split("\n## ");
    let section = section.into_iter().next().unwrap();
    section.split("```yaml\n").skip(1).map(|b| b.split("```").next().unwrap().to_string()).collect()
}

#[test]
fn the_readmes_first_playbook_loads() {
    let blocks = first_playbook_blocks(&read("README.md"));
    assert_eq!(blocks.len(), 2, "a playbook and an inventory");
    let t = Test::new();
    t.write("hello.yaml", &blocks[0]).write("hosts.yaml", &blocks[1]);
    let run = t.run(&["play", "hello.yaml", "-i", "hosts.yaml", "--syntax-check"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let run = t.run(&["play", "hello.yaml", "-i", "hosts.yaml", "--list-hosts"]);
    assert!(run.stdout.contains("web1"), "{}{}", run.stdout, run.stderr);
}
