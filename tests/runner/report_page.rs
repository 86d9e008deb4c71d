//! The performance report's HTML page, looked at in a real browser: `perf_report` writes it
//! beside the JSON and Markdown; Chromium (Debian's, headless) opens it from disk, and the page
//! is checked through the browser — the DOM it built, and a screenshot whose pixels show the
//! bars drawn in their verdicts' colours — not only as a file. The page fetches nothing.

use crate::common;

use std::process::Command;

use common::Test;

const PLAY: &str = r#"- hosts: localhost
  gather_facts: false
  tasks:
    - command: "true"
      changed_when: false
- hosts: localhost
  gather_facts: false
  tasks:
    - vm_plan: { plan_file: "{{ project }}/examples/vm.cluster-numa.json", show_map: false,
                 topology: { capabilities_file: "{{ project }}/examples/guide-host.capabilities.xml" } }
    - set_fact:
        perf_vms: >-
          {{ perf_vms | default([]) + [{'name': item.name, 'vcpu_pins': item.tuning.vcpu_pins | map('int') | list,
             'emulator_cpuset': item.tuning.emulator_cpuset, 'nodeset': item.tuning.numa_memory.nodeset,
             'locality_pct': 99.2}] }}
      loop: "{{ vm_plan.virtual_machines }}"
    - perf_report:
        dest: "{{ out }}/perf-report"
        title: "numarun performance report: <guide> host"
        placement_svg: "{{ out }}/placement.svg"
        vms: "{{ perf_vms }}"
        recap: "{{ numarun_recap }}"
        measurements:
          - { name: hot tier random-read IOPS, value: 48210, unit: IOPS, min: 20000 }
          - { name: "hot tier read latency, mean", value: 0.31, unit: ms, max: 1 }
          - { name: lake sequential write, value: 141, unit: MB/s, min: 150 }
          - { name: PostgreSQL cache-hit ratio, value: "", min: 0.99, note: not measured until user tables are read }
"#;

/// The report of a run whose lake missed its threshold, and the page's path.
fn report(t: &Test) -> std::path::PathBuf {
    let project = env!("CARGO_MANIFEST_DIR");
    let svg = t.path().join("placement.svg");
    t.run(&[
        "validate",
        &format!("{project}/examples/vm.cluster-numa.json"),
        "--capabilities",
        &format!("{project}/examples/guide-host.capabilities.xml"),
        "--svg",
        svg.to_str().unwrap(),
    ]);
    assert!(svg.exists());
    t.write("play.yaml", PLAY);
    let out = t.path().display().to_string();
    let run = t.run(&["play", "play.yaml", "-e", &format!("project={project} out={out}")]);
    assert_eq!(run.code, 2, "the missed threshold fails the step:\n{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("threshold missed: lake sequential write"), "{}", run.stdout);
    t.path().join("perf-report.html")
}

/// The page stands alone: nothing it would fetch, no script, and what the user wrote escaped.
#[test]
fn the_page_stands_alone_and_escapes_what_it_shows() {
    let t = Test::new();
    let page = std::fs::read_to_string(report(&t)).unwrap();
    for fetch in ["src=", "href=", "<script", "@import", "url(", "<link", "<iframe"] {
        assert!(!page.contains(fetch), "the page has {fetch}");
    }
    assert!(page.contains("<title>numarun performance report: &lt;guide&gt; host</title>"));
    assert!(!page.contains("<guide>"));
}

fn chromium() -> Option<&'static str> {
    common::have("chromium").then_some("chromium")
}

/// Headless Chromium on a file, with no network to reach and nothing of the user's profile.
fn headless(
    t: &Test,
    browser: &str,
    args: &[&str],
    page: &std::path::Path,
) -> std::process::Output {
    let out = Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"])
        .arg(format!("--user-data-dir={}", t.path().join("profile").display()))
        .args(["--host-resolver-rules=MAP * ~NOTFOUND", "--window-size=1100,1500"])
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out
}

/// What Chromium built of the page: each measurement with its verdict, in order; the map;
/// every VM of the plan with its pins and locality; the run so far.
#[test]
fn chromium_shows_every_measurement_the_map_the_vms_and_the_run() {
    let Some(browser) = chromium() else { return };
    let t = Test::new();
    let page = report(&t);
    let dom = String::from_utf8(headless(&t, browser, &["--dump-dom"], &page).stdout).unwrap();
    let verdicts: Vec<&str> = dom
        .split("class=\"measurement\" data-verdict=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
        .collect();
    assert_eq!(verdicts, ["pass", "pass", "miss", "none"], "{dom}");
    assert!(dom.contains("<p id=\"verdict\" class=\"verdict miss\">1 threshold(s) missed</p>"));
    let placement = dom.split("<section id=\"placement\"").nth(1).expect("a placement section");
    assert!(
        placement.contains("<svg") && placement.contains("k3s-worker-slm-heavy"),
        "{placement}"
    );
    assert_eq!(dom.matches("<tr class=\"vm\">").count(), 4, "{dom}");
    assert!(dom.contains("0→0, 1→36, 2→1"), "the heavy VM's pins: {dom}");
    let recap = dom.split("<section id=\"recap\"").nth(1).expect("a recap section");
    assert!(recap.contains("<td>localhost</td><td class=\"num\">1</td>"), "{recap}");
}

/// A screenshot of the page holds the pass bars' green and the missed bar's red: the browser
/// drew them, and drew the page.
#[test]
fn a_screenshot_shows_the_bars_in_their_colours() {
    let Some(browser) = chromium() else { return };
    let t = Test::new();
    let page = report(&t);
    let shot = t.path().join("shot.png");
    headless(&t, browser, &[&format!("--screenshot={}", shot.display())], &page);
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((frame.width, frame.height), (1100, 1500));
    let channels = frame.color_type.samples();
    let count = |rgb: [u8; 3]| {
        pixels[..frame.buffer_size()].chunks(channels).filter(|p| p[..3] == rgb).count()
    };
    let (green, red) = (count([0x2e, 0x7d, 0x32]), count([0xc6, 0x28, 0x28]));
    assert!(green > 2_000 && red > 1_000, "green {green} px, red {red} px");
}
