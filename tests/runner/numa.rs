//! The VM plan validator on the guide's own host and plan: the plan passes with the warnings it
//! deserves, and a broken variant of it trips each rule, naming the VM and CPU.

use crate::common;

use common::Test;
use numarun::numa::{
    DEFAULT_HOST_RESERVE_MB, Level, Rule, Topology, VmPlan, validate, whole_cores,
};

fn project(path: &str) -> String {
    format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

fn guide_host() -> Topology {
    Topology::from_capabilities(
        &std::fs::read_to_string(project("examples/guide-host.capabilities.xml")).unwrap(),
    )
    .unwrap()
}

fn guide_plan() -> VmPlan {
    VmPlan::load(std::path::Path::new(&project("examples/vm.cluster-numa.json"))).unwrap()
}

/// (level, rule, vm, cpu) of each finding for the guide's plan changed by `change`.
fn findings(change: impl FnOnce(&mut VmPlan)) -> Vec<(Level, Rule, Option<String>, Option<u32>)> {
    let mut plan = guide_plan();
    change(&mut plan);
    validate(&plan, &guide_host(), DEFAULT_HOST_RESERVE_MB)
        .into_iter()
        .map(|f| (f.level, f.rule, f.vm, f.cpu))
        .collect()
}

fn vm<'a>(plan: &'a mut VmPlan, name: &str) -> &'a mut numarun::numa::VmSpec {
    plan.virtual_machines.iter_mut().find(|vm| vm.name == format!("k3s-worker-{name}")).unwrap()
}

fn errors(
    found: &[(Level, Rule, Option<String>, Option<u32>)],
) -> Vec<(Rule, Option<&str>, Option<u32>)> {
    found.iter().filter(|f| f.0 == Level::Error).map(|f| (f.1, f.2.as_deref(), f.3)).collect()
}

const HOUSEKEEPING_BOTH_NODES: usize = 2;

#[test]
fn the_guide_host_reads_as_the_guide_describes_it() {
    let host = guide_host();
    assert_eq!(
        (host.nodes.len(), host.sockets(), host.threads_per_core(), host.cpus.len()),
        (2, 2, 2, 72)
    );
    assert_eq!(host.nodes[0].cpus.to_string(), "0-17,36-53");
    assert_eq!(host.nodes[1].cpus.to_string(), "18-35,54-71");
    assert_eq!(host.nodes[1].memory_mb, 126 * 1024);
}

#[test]
fn the_guide_plan_passes_with_the_warnings_it_deserves() {
    let found = findings(|_| {});
    assert!(errors(&found).is_empty(), "{found:?}");
    assert_eq!(
        found.iter().filter(|f| f.1 == Rule::Housekeeping).count(),
        HOUSEKEEPING_BOTH_NODES,
        "{found:?}"
    );
    assert_eq!(found.len(), HOUSEKEEPING_BOTH_NODES, "{found:?}");
    let plan = guide_plan();
    assert!(
        plan.virtual_machines.iter().all(|vm| whole_cores(vm, &guide_host())),
        "sibling pairs give guests threads=2"
    );
}

#[test]
fn each_broken_rule_names_its_vm_and_cpu() {
    type Case = (
        &'static str,
        Box<dyn FnOnce(&mut VmPlan)>,
        Vec<(Rule, Option<&'static str>, Option<u32>)>,
    );
    let cases: Vec<Case> = vec![
        (
            "a pin too few",
            Box::new(|p| {
                vm(p, "slm").tuning.vcpu_pins.pop();
            }),
            vec![(Rule::PinCount, Some("k3s-worker-slm"), None)],
        ),
        (
            "a CPU the host lacks",
            Box::new(|p| vm(p, "tasks").tuning.vcpu_pins[7] = 99),
            vec![(Rule::UnknownCpu, Some("k3s-worker-tasks"), Some(99))],
        ),
        (
            "emulator threads on the other node",
            Box::new(|p| {
                vm(p, "data").tuning.emulator_cpuset = numarun::numa::CpuSet::parse("16").unwrap()
            }),
            vec![(Rule::OutsideNode, Some("k3s-worker-data"), Some(16))],
        ),
        (
            "a node the host lacks",
            Box::new(|p| {
                vm(p, "slm").tuning.numa_memory.nodeset = numarun::numa::CpuSet::parse("2").unwrap()
            }),
            vec![(Rule::UnknownNode, Some("k3s-worker-slm"), None)]
                .into_iter()
                .chain((0..8).map(|i| {
                    (
                        Rule::OutsideNode,
                        Some("k3s-worker-slm"),
                        Some([26, 62, 27, 63, 28, 64, 29, 65][i]),
                    )
                }))
                .chain(
                    [34, 35, 70, 71].map(|c| (Rule::OutsideNode, Some("k3s-worker-slm"), Some(c))),
                )
                .collect(),
        ),
        (
            "two VMs on one CPU",
            Box::new(|p| vm(p, "tasks").tuning.vcpu_pins[0] = 18),
            vec![(Rule::SharedCpu, Some("k3s-worker-tasks"), Some(18))],
        ),
        (
            "emulator threads on a vCPU's CPU",
            Box::new(|p| {
                vm(p, "tasks").tuning.emulator_cpuset = numarun::numa::CpuSet::parse("30").unwrap()
            }),
            vec![(Rule::EmulatorOnVcpu, Some("k3s-worker-tasks"), Some(30))],
        ),
        (
            "more memory than the node has",
            Box::new(|p| vm(p, "data").memory_mb = 80_000),
            vec![(Rule::Memory, None, None)],
        ),
        (
            "no memory mode",
            Box::new(|p| vm(p, "slm-heavy").tuning.numa_memory.mode = None),
            // Not strict, so not counted against node 0's memory either.
            vec![(Rule::Mode, Some("k3s-worker-slm-heavy"), None)],
        ),
        (
            "a duplicate name",
            Box::new(|p| vm(p, "slm").name = "k3s-worker-tasks".into()),
            vec![(Rule::DuplicateName, Some("k3s-worker-tasks"), None)],
        ),
    ];
    for (what, change, expected) in cases {
        let found = findings(change);
        let mut got = errors(&found);
        let mut expected = expected;
        got.sort_by_key(|e| format!("{e:?}"));
        expected.sort_by_key(|e| format!("{e:?}"));
        assert_eq!(got, expected, "{what}: {found:?}");
    }
}

#[test]
fn warnings_name_what_works_but_costs() {
    // Threads of different cores for one vCPU pair: the guest cannot be told threads=2.
    let found = findings(|p| vm(p, "slm").tuning.vcpu_pins.swap(1, 2));
    assert!(errors(&found).is_empty(), "{found:?}");
    assert!(
        found.contains(&(Level::Warning, Rule::SplitCore, Some("k3s-worker-slm".into()), Some(26))),
        "{found:?}"
    );

    let found = findings(|p| vm(p, "tasks").tuning.numa_memory.mode = Some("preferred".into()));
    assert!(
        found.contains(&(Level::Warning, Rule::Mode, Some("k3s-worker-tasks".into()), None)),
        "{found:?}"
    );

    // A core left free on node 0 silences its housekeeping warning.
    let found = findings(|p| {
        let heavy = vm(p, "slm-heavy");
        heavy.vcpu_count = 30;
        heavy.tuning.vcpu_pins.truncate(30);
    });
    assert_eq!(found.iter().filter(|f| f.1 == Rule::Housekeeping).count(), 1, "{found:?}");
}

#[test]
fn validate_draws_the_map_and_exits_by_what_it_found() {
    let t = Test::new();
    let caps = project("examples/guide-host.capabilities.xml");
    let svg = t.path().join("map.svg");
    let run = t.run(&[
        "validate",
        &project("examples/vm.cluster-numa.json"),
        "--capabilities",
        &caps,
        "--svg",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let node0 = run.stdout.lines().find(|l| l.starts_with("node 0")).unwrap();
    assert!(node0.contains(&format!("{} ee ee", ["AA"; 16].join(" "))), "{node0}");
    assert!(node0.contains("118.0 / 126.0 GiB bound"), "{node0}");
    assert!(run.stdout.ends_with("4 VM(s), 0 error(s), 2 warning(s)\n"), "{}", run.stdout);
    let drawn = std::fs::read_to_string(&svg).unwrap();
    assert_eq!(drawn.matches("<title>CPU ").count(), 72);
    assert!(drawn.contains("k3s-worker-data (16 vCPUs)"));

    let mut plan = std::fs::read_to_string(project("examples/vm.cluster-numa.json")).unwrap();
    plan = plan.replacen("\"18\", \"54\"", "\"0\", \"54\"", 1);
    t.write("broken.json", &plan);
    let run = t.run(&["validate", "broken.json", "--capabilities", &caps]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stdout.contains(
        "error[shared-cpu] k3s-worker-data cpu 0: CPU 0 is pinned by vCPU 0 of k3s-worker-slm-heavy"
    ));
    assert!(run.stdout.contains("error[outside-node] k3s-worker-data cpu 0:"), "{}", run.stdout);
    let node0 = run.stdout.lines().find(|l| l.starts_with("node 0")).unwrap();
    assert!(node0.starts_with("node 0   !A"), "{node0}");
}

#[test]
fn a_plan_with_an_unknown_key_is_refused_where_it_is() {
    let t = Test::new();
    t.write(
        "plan.yaml",
        "virtual_machines:\n  - name: a\n    vcpu_count: 1\n    memory_mb: 1\n    tunning: {}\n",
    );
    let run = t.run(&[
        "validate",
        "plan.yaml",
        "--capabilities",
        &project("examples/guide-host.capabilities.xml"),
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("plan.yaml:5:5"), "{}", run.stderr);
    assert!(run.stderr.contains("did you mean `tuning`"), "{}", run.stderr);
}

/// The guide's host as sysfs shows it, under `root`.
fn fake_sysfs(root: &std::path::Path) {
    let system = root.join("devices/system");
    for node in [0u32, 1] {
        let dir = system.join(format!("node/node{node}"));
        std::fs::create_dir_all(&dir).unwrap();
        let (a, b) = (node * 18, 36 + node * 18);
        std::fs::write(dir.join("cpulist"), format!("{a}-{},{b}-{}\n", a + 17, b + 17)).unwrap();
        std::fs::write(
            dir.join("meminfo"),
            format!("Node {node} MemTotal:       132120576 kB\nNode {node} MemFree: 1 kB\n"),
        )
        .unwrap();
    }
    for cpu in 0u32..72 {
        let dir = system.join(format!("cpu/cpu{cpu}/topology"));
        std::fs::create_dir_all(&dir).unwrap();
        let base = cpu % 36;
        std::fs::write(dir.join("physical_package_id"), format!("{}\n", base / 18)).unwrap();
        std::fs::write(dir.join("core_id"), format!("{}\n", base % 18)).unwrap();
        std::fs::write(dir.join("thread_siblings_list"), format!("{base},{}\n", base + 36))
            .unwrap();
    }
}

#[test]
fn host_facts_and_vm_plan_serve_phase_one() {
    let t = Test::local();
    fake_sysfs(&t.path().join("sys"));
    let playbook = format!(
        "- hosts: localhost\n  tasks:\n\
         \x20   - host_facts: {{ topology: {{ sysfs: '{{dir}}/sys' }}, free_space: ['{{dir}}'] }}\n\
         \x20   - assert:\n        that:\n\
         \x20         - numa.node_count == 2\n\
         \x20         - numa.threads_per_core == 2\n\
         \x20         - numa.sockets == 2\n\
         \x20         - numa.nodes[1].cpuset == '18-35,54-71'\n\
         \x20         - numa.nodes[0].memory_mb == 129024\n\
         \x20         - numa.siblings['5'] == [5, 41]\n\
         \x20         - disk_free_gb['{{dir}}'] > 0\n\
         \x20         - block_devices | length > 0\n\
         \x20   - vm_plan: {{ plan_file: '{}', topology: {{ sysfs: '{{dir}}/sys' }}, map_svg: '{{dir}}/map.svg' }}\n\
         \x20   - assert: {{ that: [\"vm_plan.virtual_machines | length == 4\"] }}\n",
        project("examples/vm.cluster-numa.json")
    );
    t.write("playbook.yaml", &playbook);
    for _ in 0..2 {
        let run = t.run(&["play", "playbook.yaml"]);
        run.ok();
        assert_eq!(run.changed("localhost"), 0);
        assert_eq!(run.recap("localhost")["ok"], 4, "{}", run.stdout);
    }
    assert!(t.read("map.svg").contains("<svg"));

    let broken = std::fs::read_to_string(project("examples/vm.cluster-numa.json"))
        .unwrap()
        .replacen("\"strict\"", "\"\"", 1);
    t.write("broken.json", &broken);
    t.write(
        "broken.yaml",
        "- hosts: localhost\n  tasks:\n    - vm_plan: { plan_file: '{dir}/broken.json', topology: { sysfs: '{dir}/sys' } }\n",
    );
    let run = t.run(&["play", "broken.yaml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout.contains("error[mode] k3s-worker-slm-heavy: numa_memory.mode is not stated"),
        "{}",
        run.stdout
    );
}

#[test]
fn accepted_rules_become_warnings_that_still_show() {
    let t = Test::local();
    fake_sysfs(&t.path().join("sys"));
    let shared = std::fs::read_to_string(project("examples/vm.cluster-numa.json"))
        .unwrap()
        .replacen("\"26\"", "\"25\"", 1);
    t.write("shared.json", &shared);
    let play = |accept: &str| {
        format!(
            "- hosts: localhost\n  tasks:\n    - vm_plan: {{ plan_file: '{{dir}}/shared.json', topology: {{ sysfs: '{{dir}}/sys' }}{accept} }}\n"
        )
    };
    t.write("strict.yaml", &play(""))
        .write("accepting.yaml", &play(", accept_rules: [shared-cpu]"))
        .write("typo.yaml", &play(", accept_rules: [shared-cpus]"));

    let strict = t.run(&["play", "strict.yaml"]);
    assert_eq!(strict.code, 2);
    assert!(strict.stdout.contains("error[shared-cpu] k3s-worker-slm cpu 25"), "{}", strict.stdout);

    let accepting = t.run(&["play", "accepting.yaml"]);
    accepting.ok();
    assert!(
        accepting.stdout.contains("warning[shared-cpu] k3s-worker-slm cpu 25: CPU 25 is pinned by"),
        "{}",
        accepting.stdout
    );
    assert!(accepting.stdout.contains("(accepted on this host)"), "{}", accepting.stdout);

    let typo = t.run(&["play", "typo.yaml"]);
    assert_eq!(typo.code, 2);
    assert!(typo.stdout.contains("accept_rules: no rule `shared-cpus`"), "{}", typo.stdout);
}

/// A VM's static address must be on its bridge's network; here the "bridge" is `lo`, on
/// 127.0.0.0/8 on every machine. An address elsewhere is refused naming the VM, the address and
/// the bridge's network; one on it is accepted and reaches the seed's network-config, matched to
/// the NIC by the MAC `vm_plan` gave it.
#[test]
fn a_static_address_must_be_on_its_bridges_network() {
    let t = Test::local();
    fake_sysfs(&t.path().join("sys"));
    let plan = |address: &str| {
        let json = std::fs::read_to_string(project("examples/vm.cluster-numa.json")).unwrap();
        json.replacen(
            "\"bridge_network_interface\": \"br0\",",
            &format!(
                "\"bridge_network_interface\": \"lo\", \"network\": {{ \"address\": \"{address}\", \"gateway\": \"127.0.0.1\" }},"
            ),
            1,
        )
    };
    let play = "- hosts: localhost\n  tasks:\n    - vm_plan: { plan_file: '{dir}/plan.json', topology: { sysfs: '{dir}/sys' } }\n\
                \x20   - cloud_init_iso:\n        path: '{dir}/seed.iso'\n        hostname: \"{{ vm_plan.virtual_machines[0].name }}\"\n\
                \x20       static_network: \"{{ vm_plan.virtual_machines[0].network }}\"\n";
    t.write("play.yaml", play);

    t.write("plan.json", &plan("10.9.8.7/24"));
    let outside = t.run(&["play", "play.yaml"]);
    assert_eq!(outside.code, 2, "{}{}", outside.stdout, outside.stderr);
    assert!(
        outside.stdout.contains(
            "the static address 10.9.8.7/24 is outside its bridge lo, which is on 127.0.0.0/8"
        ),
        "{}",
        outside.stdout
    );
    t.write("plan.json", &plan("not-an-address"));
    let garbled = t.run(&["play", "play.yaml"]);
    assert_eq!(garbled.code, 2);
    assert!(
        garbled.stdout.contains("is not an IPv4 address with its prefix length"),
        "{}",
        garbled.stdout
    );

    t.write("plan.json", &plan("127.0.0.9/8"));
    t.run(&["play", "play.yaml"]).ok();
    let seed = t.read("seed.iso.numarun-seed");
    for expected in [
        "--- network-config",
        "- 127.0.0.9/8",
        "via: 127.0.0.1",
        "to: 0.0.0.0/0",
        // The MAC vm_plan derives from the VM's name, stable across builds and runs.
        "macaddress: 52:54:00:f6:48:54",
        "dhcp4: false",
    ] {
        assert!(seed.contains(expected), "{expected} missing from\n{seed}");
    }
}
