//! The repository's own site against this machine, under a scratch root:
//! check mode predicts, the first run changes, the second changes nothing.

mod common;

use common::{Run, Test};

/// Runs the site with `inventory/local.yaml`, every path under the test's `root/`.
fn site(t: &Test, extra: &[&str]) -> Run {
    let project = env!("CARGO_MANIFEST_DIR");
    let site = format!("{project}/playbooks/site.yaml");
    let inventory = format!("{project}/inventory/local.yaml");
    let root = format!("host_root={}/root", t.path().display());
    let mut args = vec!["play", site.as_str(), "-i", inventory.as_str(), "-e", root.as_str()];
    args.extend(extra);
    t.run(&args)
}

#[test]
fn site_converges_under_a_scratch_root() {
    let t = Test::new();
    let check = site(&t, &["--check"]);
    check.ok();
    assert!(!t.path().join("root").exists(), "check mode wrote files");
    let first = site(&t, &[]);
    first.ok();
    assert_eq!(check.with_status("changed"), first.with_status("changed"));
    assert!(first.changed("localhost") >= 5);
    let tree = t.tree("root");
    let second = site(&t, &[]);
    second.ok();
    assert_eq!(second.changed("localhost"), 0, "{}", second.stdout);
    assert_eq!(t.tree("root"), tree);

    let conf = t.read("root/data/hot/postgresql/postgresql.conf");
    assert!(conf.contains("shared_buffers = 15GB\neffective_cache_size = 45GB\n"), "{conf}");
    assert_eq!(t.read("root/etc/sysctl.d/90-numarun-numa.conf"), "kernel.numa_balancing = 0\n");
    let cron = t.read("root/etc/cron.d/numarun-numa-monitor");
    assert_eq!(cron.lines().filter(|l| l.contains("numa-monitor.sh")).count(), 1);
}

#[test]
fn one_phase_reruns_by_tag() {
    let t = Test::new();
    site(&t, &["--tags", "postgresql"]).ok();
    assert!(t.path().join("root/data/hot/postgresql/postgresql.conf").exists());
    assert!(!t.path().join("root/etc").exists(), "other phases ran");
}
