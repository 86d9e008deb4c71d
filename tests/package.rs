//! The Debian package, installed: `.ci/run` builds it (`packaging/deb.sh`) and installs it with
//! apt after the site test, then runs these. The package holds both binaries, the manual pages
//! and the completions, depends on the libvirt library numarun links, and the installed
//! numarun runs the lab's site: once, then again with nothing left to change.

mod common;

use std::process::Command;

use common::lab::{inventory, project, text};

const INSTALLED: &str = "/usr/bin/numarun";

fn installed_files() -> Vec<String> {
    let list = Command::new("dpkg").args(["-L", "numarun"]).output().unwrap();
    assert!(list.status.success(), "numarun is not installed: {}", text(&list.stderr));
    text(&list.stdout).lines().map(String::from).collect()
}

#[test]
#[ignore = "needs the package installed; .ci/run builds and installs it"]
fn the_package_holds_binaries_pages_and_completions_and_needs_libvirt() {
    let files = installed_files();
    for file in [
        "/usr/bin/numarun",
        "/usr/bin/numarun-keeper",
        "/usr/share/man/man1/numarun.1.gz",
        "/usr/share/man/man1/numarun-play.1.gz",
        "/usr/share/man/man1/numarun-doc.1.gz",
        "/usr/share/bash-completion/completions/numarun",
        "/usr/share/zsh/vendor-completions/_numarun",
        "/usr/share/fish/vendor_completions.d/numarun.fish",
    ] {
        assert!(files.iter().any(|f| f == file), "{file} is not in the package: {files:?}");
    }
    let depends =
        Command::new("dpkg-query").args(["-W", "-f", "${Depends}", "numarun"]).output().unwrap();
    assert!(text(&depends.stdout).contains("libvirt0"), "{}", text(&depends.stdout));

    let version =
        |program: &str| text(&Command::new(program).arg("--version").output().unwrap().stdout);
    assert_eq!(version(INSTALLED), version(env!("CARGO_BIN_EXE_numarun")));
    let completes = Command::new("bash")
        .args([
            "-c",
            "source /usr/share/bash-completion/completions/numarun && complete -p numarun",
        ])
        .output()
        .unwrap();
    assert!(text(&completes.stdout).contains("_numarun"), "{}", text(&completes.stderr));
}

/// The sum of `changed=` over the recap's lines.
fn changed(output: &str) -> u64 {
    output
        .split_whitespace()
        .filter_map(|word| word.strip_prefix("changed="))
        .map(|n| n.parse::<u64>().unwrap())
        .sum()
}

#[test]
#[ignore = "needs the package installed and the lab up; .ci/run runs it after the site test"]
fn the_installed_numarun_runs_the_lab_site() {
    let run = || {
        let out = Command::new(INSTALLED)
            .args(["play", &project("playbooks/site.yaml"), "-i", &inventory()])
            .current_dir(project(""))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
        text(&out.stdout)
    };
    let first = run();
    assert!(first.contains("RECAP") && first.contains("k3s-worker-data"), "{first}");
    let second = run();
    assert_eq!(changed(&second), 0, "{second}");
}
