//! The lab: guests that are real systemd machines with their own roots, networks and disks,
//! reached through `inventory/lab.yaml`. `.ci/run` brings the lab up before these tests and runs
//! the ignored `lab_down_leaves_nothing_behind` last.

mod common;

use std::sync::Mutex;

use common::lab::{
    GUESTS, guest_ssh, inventory, lab, lab_up, on_guest, project, tasks_guest_play, text,
};
use common::{Run, Test};

fn play(t: &Test, playbook: &str, extra: &[&str]) -> Run {
    t.write("playbook.yaml", playbook);
    let inventory = inventory();
    let mut args = vec!["play", "playbook.yaml", "-i", inventory.as_str()];
    args.extend(extra);
    t.run(&args)
}

#[test]
fn bringing_the_lab_up_again_changes_nothing() {
    if !lab_up() {
        return;
    }
    let again = lab("up");
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(text(&again.stdout).contains("lab up: 0 part(s) changed"), "{}", text(&again.stdout));
    let status = lab("status");
    assert!(status.status.success(), "{}", text(&status.stdout));
}

/// Held by the tests that look at or change a guest's name.
static NAMES: Mutex<()> = Mutex::new(());

/// Held by the tests that use or change `k3s-worker-tasks`' packages and APT sources.
static APT: Mutex<()> = Mutex::new(());

#[test]
fn every_guest_answers_as_itself_with_no_way_out() {
    if !lab_up() {
        return;
    }
    let _names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
    let t = Test::new();
    let run = play(
        &t,
        "- hosts: guests\n  tasks:\n\
         \x20   - command: hostname\n      register: name\n      changed_when: false\n\
         \x20   - command: systemctl is-active ssh cron\n      changed_when: false\n\
         \x20   - command: ip route\n      register: routes\n      changed_when: false\n\
         \x20   - assert:\n        that:\n          - name.stdout == inventory_hostname\n\
         \x20         - \"'default' not in routes.stdout\"\n",
        &[],
    );
    run.ok();
    for guest in GUESTS {
        assert_eq!(run.recap(guest)["ok"], 4, "{guest}: {}", run.stdout);
        assert_eq!(on_guest(guest, "hostname").trim(), guest);
    }
}

/// `hostname` on a real systemd guest: renamed (its file, the kernel's name and the facts the
/// next steps see), renamed again to no change, and back; and `service` taking the `pattern`
/// and `sleep` that ansible-core ignores under systemd.
#[test]
fn hostname_renames_a_systemd_guest_and_back() {
    if !lab_up() {
        return;
    }
    let _names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
    let guest = "k3s-worker-tasks";
    let t = Test::new();
    let rename = |name: &str| {
        format!(
            "- hosts: {guest}\n  become: true\n  tasks:\n\
             \x20   - hostname: {{ name: {name} }}\n\
             \x20   - assert: {{ that: \"ansible_hostname == '{short}'\" }}\n\
             \x20   - service: {{ name: cron, state: started, pattern: /usr/sbin/cron, sleep: 1 }}\n",
            short = name.split('.').next().unwrap()
        )
    };
    let renamed = play(&t, &rename("nr-renamed.lab.example"), &[]);
    renamed.ok();
    assert_eq!(renamed.changed(guest), 1, "{}", renamed.stdout);
    assert_eq!(on_guest(guest, "hostname").trim(), "nr-renamed.lab.example");
    assert_eq!(on_guest(guest, "cat /etc/hostname"), "nr-renamed.lab.example\n");
    let again = play(&t, &rename("nr-renamed.lab.example"), &[]);
    assert_eq!(again.changed(guest), 0, "{}", again.stdout);
    let back = play(&t, &rename(guest), &[]);
    back.ok();
    assert_eq!(back.changed(guest), 1, "{}", back.stdout);
    assert_eq!(on_guest(guest, "hostname").trim(), guest);
    assert_eq!(play(&t, &rename(guest), &["--check"]).changed(guest), 0);
}

/// The same renames through ansible-core and numarun, on the same real guest (with python3, so
/// ansible-core's module runs there): the same changes, names and facts.
#[test]
fn hostname_renames_as_ansible_core_does() {
    let Some(ansible) = common::ansible::ansible_playbook() else { return };
    let Some((t, _names)) = tasks_guest_play(
        &NAMES,
        r#"- hosts: k3s-worker-tasks
  gather_facts: false
  become: true
  tasks:
    - hostname: { name: nr-parity.lab.example }
      register: first
    - hostname: { name: nr-parity.lab.example }
      register: second
    - command: hostname
      register: kernel
      changed_when: false
    - set_fact: { renamed_to: "{{ ansible_hostname }} {{ ansible_nodename }}" }
    - hostname: { name: k3s-worker-tasks }
      register: back
    - copy:
        dest: "{{ out }}/result"
        content: "{{ first.changed }} {{ second.changed }} {{ kernel.stdout }} {{ renamed_to }} {{ back.changed }} {{ ansible_hostname }} {{ first.name }}\n"
      delegate_to: localhost
      become: false
"#,
    ) else {
        return;
    };
    common::ansible::same_outcome_on(&t, &ansible, "hosts.yaml", &["k3s-worker-tasks"], 1);
    assert_eq!(
        t.read("by-numarun/result"),
        "True False nr-parity.lab.example nr-parity nr-parity.lab.example True k3s-worker-tasks nr-parity.lab.example\n"
    );
    assert_eq!(on_guest("k3s-worker-tasks", "hostname").trim(), "k3s-worker-tasks");
}

/// `apt_repository` on a real Debian guest, through ansible-core and numarun from the same
/// play: a new source in a file of its own, added twice (changed once), a commented-out one
/// enabled where it stands, and the new one removed (its file with it). The play cleans up
/// after itself, so each run starts from the same guest. (`update_cache: false`: the guests
/// reach no mirror but the lab's proxy, and these sources are made up.)
#[test]
fn apt_repository_edits_sources_as_ansible_core_does() {
    let guest = "k3s-worker-tasks";
    let Some((t, _apt)) = tasks_guest_play(
        &APT,
        r##"- hosts: k3s-worker-tasks
  gather_facts: false
  become: true
  vars:
    new: deb [arch=amd64] http://deb.example.invalid/debian bookworm main
    extra: /etc/apt/sources.list.d/extra.list
  tasks:
    - copy: { dest: "{{ extra }}", content: "#deb http://mirror.example.invalid/debian  bookworm contrib # later\n" }
    - apt_repository: { repo: "{{ new }}", update_cache: false }
      register: added
    - apt_repository: { repo: "{{ new }}", update_cache: false }
      register: again
    - apt_repository: { repo: "deb http://mirror.example.invalid/debian bookworm contrib", update_cache: false }
      register: enabled
    - command: cat /etc/apt/sources.list.d/deb_example_invalid_debian.list {{ extra }}
      register: written
      changed_when: false
    - apt_repository: { repo: "{{ new }}", state: absent, update_cache: false }
      register: removed
    - stat: { path: /etc/apt/sources.list.d/deb_example_invalid_debian.list }
      register: gone
    - file: { path: "{{ extra }}", state: absent }
    - copy:
        dest: "{{ out }}/result"
        content: |
          {{ added.changed }} {{ again.changed }} {{ enabled.changed }} {{ removed.changed }} {{ gone.stat.exists }}
          {{ added.sources_added | join(',') }} | {{ removed.sources_removed | join(',') }} | {{ added.state }} {{ added.repo }}
          {{ written.stdout }}
      delegate_to: localhost
      become: false
"##,
    ) else {
        return;
    };
    // The run-twice contract on the guest, by numarun alone.
    let out = format!("out={}", t.path().display());
    let first = t.run(&["play", "play.yaml", "-i", "hosts.yaml", "-e", &out]);
    first.ok();
    assert_eq!(first.changed(guest), 6, "{}", first.stdout);
    let text = t.read("result");
    assert!(
        text.contains("# later\n") && text.starts_with("True False True True False\n"),
        "{text}"
    );
    if let Some(ansible) = common::ansible::ansible_playbook() {
        common::ansible::same_outcome_on(&t, &ansible, "hosts.yaml", &[guest], 1);
    }
    assert!(!guest_ssh(guest, "test -e /etc/apt/sources.list.d/extra.list").status.success());
}

/// `deb822_repository` on a real Debian guest, through ansible-core and numarun from the same
/// play: a `.sources` file with lists, flags and a key given inline, written once, then removed.
#[test]
fn deb822_repository_writes_the_file_ansible_core_writes() {
    let guest = "k3s-worker-tasks";
    let Some((t, _apt)) = tasks_guest_play(
        &APT,
        r##"- hosts: k3s-worker-tasks
  gather_facts: false
  become: true
  tasks:
    - deb822_repository: &example
        name: Example Repo_1
        uris: http://deb.example.invalid/debian
        suites: bookworm
        components: [main, contrib]
        architectures: amd64
        enabled: true
        trusted: false
        signed_by: |
          -----BEGIN PGP PUBLIC KEY BLOCK-----

          mDMEZmFrZRYJKwYBBAHaRw8BAQdA
          -----END PGP PUBLIC KEY BLOCK-----
      register: written
    - deb822_repository: *example
      register: again
    - slurp: { src: /etc/apt/sources.list.d/example-repo-1.sources }
      register: file
    - stat: { path: /etc/apt/sources.list.d/example-repo-1.sources }
      register: st
    - deb822_repository: { name: Example Repo_1, state: absent }
      register: removed
    - deb822_repository: { name: Example Repo_1, state: absent }
      register: removed_again
    - copy:
        dest: "{{ out }}/result"
        content: |
          {{ written.changed }} {{ again.changed }} {{ removed.changed }} {{ removed_again.changed }} {{ written.dest }} {{ st.stat.mode }}
          {{ file.content | b64decode }}
      delegate_to: localhost
      become: false
"##,
    ) else {
        return;
    };
    // ansible-core's module needs python3-debian there; a run cut short may have left its file.
    on_guest(guest, "sudo apt-get install -y -qq python3-debian >/dev/null");
    on_guest(guest, "sudo rm -f /etc/apt/sources.list.d/example-repo-1.sources");
    let out = format!("out={}", t.path().display());
    let first = t.run(&["play", "play.yaml", "-i", "hosts.yaml", "-e", &out]);
    first.ok();
    let text = t.read("result");
    assert!(
        text.starts_with(
            "True False True False /etc/apt/sources.list.d/example-repo-1.sources 0644\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("Signed-By:\n    -----BEGIN PGP PUBLIC KEY BLOCK-----\n    .\n"),
        "{text}"
    );
    if let Some(ansible) = common::ansible::ansible_playbook() {
        common::ansible::same_outcome_on(&t, &ansible, "hosts.yaml", &[guest], 1);
    }
}

#[test]
fn a_file_written_in_one_guest_stays_in_that_guest() {
    if !lab_up() {
        return;
    }
    let t = Test::new();
    let probe = format!("/etc/numarun-lab-probe-{}", std::process::id());
    let playbook = format!(
        "- hosts: k3s-worker-slm\n  tasks:\n    - copy: {{ dest: {probe}, content: \"only here\\n\", mode: \"0600\" }}\n"
    );
    let first = play(&t, &playbook, &[]);
    first.ok();
    assert_eq!(first.changed("k3s-worker-slm"), 1);
    let second = play(&t, &playbook, &[]);
    assert_eq!(second.changed("k3s-worker-slm"), 0, "{}", second.stdout);
    assert_eq!(on_guest("k3s-worker-slm", &format!("sudo cat {probe}")), "only here\n");

    assert!(!std::path::Path::new(&probe).exists(), "the guest's file is on the host");
    for sibling in GUESTS.iter().filter(|g| **g != "k3s-worker-slm") {
        assert!(
            !guest_ssh(sibling, &format!("test -e {probe}")).status.success(),
            "{probe} is on {sibling}"
        );
    }
    on_guest("k3s-worker-slm", &format!("sudo rm {probe}"));
}

#[test]
fn guests_install_packages_through_the_proxy_and_reach_nothing_else() {
    if !lab_up() {
        return;
    }
    let _apt = APT.lock().unwrap_or_else(|e| e.into_inner());
    let t = Test::new();
    // The package manager of a guest, as the site's package steps will drive it.
    let playbook = "- hosts: k3s-worker-tasks\n  tasks:\n\
        \x20   - shell: { cmd: apt-get update -qq && apt-get install -y -qq tree, check: test -x /usr/bin/tree }\n";
    let first = play(&t, playbook, &[]);
    first.ok();
    assert_eq!(first.changed("k3s-worker-tasks"), 1, "{}", first.stdout);
    let second = play(&t, playbook, &[]);
    assert_eq!(second.changed("k3s-worker-tasks"), 0, "{}", second.stdout);
    on_guest("k3s-worker-tasks", "tree --version");
    let log = std::fs::read_to_string("/var/lib/numarun-lab/proxy/apt-cacher.log").unwrap();
    assert!(log.contains("/tree_"), "the package did not come through the proxy:\n{log}");
    // Anything but the host's mirrors is refused, even through the proxy.
    let elsewhere = on_guest(
        "k3s-worker-tasks",
        "python3 -c 'import urllib.request as u; o = u.build_opener(u.ProxyHandler({\"http\": \"http://10.99.0.1:3142\"}))\n\
         try: o.open(\"http://example.org/\", timeout=5)\nexcept Exception as e: print(e)'",
    );
    assert!(elsewhere.contains("403"), "{elsewhere}");
    on_guest("k3s-worker-tasks", "sudo apt-get purge -y -qq tree >/dev/null");
}

/// The k3s tests reinstall and use one cluster: one at a time.
static K3S: Mutex<()> = Mutex::new(());

#[test]
fn the_k3s_stand_in_joins_every_guest_without_showing_its_token() {
    if !lab_up() {
        return;
    }
    let _cluster = K3S.lock().unwrap_or_else(|e| e.into_inner());
    for guest in GUESTS {
        guest_ssh(
            guest,
            "sudo sh -c 'for u in /usr/local/bin/k3s*-uninstall.sh; do [ -x $u ] && $u; done; true'",
        );
    }
    let t = Test::new();
    let k3s = project("playbooks/phases/07-k3s.yaml");
    let inventory = inventory();
    let first = t.run(&["play", &k3s, "-i", &inventory, "-vvv"]);
    first.ok();
    assert!(
        first.changed("k3s-worker-slm-heavy") >= 1 && first.changed("k3s-worker-tasks") >= 1,
        "{}",
        first.stdout
    );
    let log = std::fs::read_to_string(t.path().join(".events.jsonl")).unwrap();
    let second = t.run(&["play", &k3s, "-i", &inventory]);
    second.ok();
    for guest in GUESTS {
        assert_eq!(second.changed(guest), 0, "{guest}: {}", second.stdout);
    }

    let nodes = on_guest(
        "k3s-worker-slm-heavy",
        "sudo KUBECONFIG=/etc/rancher/k3s/k3s.yaml kubectl get nodes --no-headers",
    );
    for guest in GUESTS {
        assert!(
            nodes.lines().any(|l| l.starts_with(guest) && l.contains(" Ready ")),
            "{guest} not Ready:\n{nodes}"
        );
    }
    // The token is the part after the last colon; the rest is the CA's hash, public by design.
    let token = on_guest("k3s-worker-slm-heavy", "sudo cat /var/lib/rancher/k3s/server/node-token");
    let secret = token.trim().rsplit(':').next().unwrap().to_string();
    for (what, text) in [("stdout", &first.stdout), ("stderr", &first.stderr), ("json log", &log)] {
        assert!(!text.contains(&secret), "the token is in the {what}");
    }
    for guest in GUESTS {
        let argv = on_guest(guest, "sudo sh -c 'cat /proc/[0-9]*/cmdline | tr \"\\0\" \" \"'");
        assert!(!argv.contains(&secret), "the token is in a command line on {guest}");
    }
}

#[test]
fn the_k3s_stand_in_serves_what_the_deploy_phase_needs() {
    if !lab_up() {
        return;
    }
    let _cluster = K3S.lock().unwrap_or_else(|e| e.into_inner());
    let t = Test::new();
    t.run(&["play", &project("playbooks/phases/07-k3s.yaml"), "-i", &inventory()]).ok();
    let kubectl = "sudo KUBECONFIG=/etc/rancher/k3s/k3s.yaml kubectl";
    let manifest = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: lab-probe}\nspec:\n  serviceName: lab-probe\n  replicas: 1\n  selector: {matchLabels: {app: lab-probe}}\n  template:\n    metadata: {labels: {app: lab-probe}}\n    spec: {containers: [{name: c, image: postgres:15}]}\n";
    on_guest("k3s-worker-slm-heavy", &format!("cat > /tmp/lab-probe.yaml <<'EOF'\n{manifest}EOF"));
    let apply =
        format!("{kubectl} apply --server-side --field-manager=numarun -f /tmp/lab-probe.yaml");
    let diff =
        format!("{kubectl} diff --server-side --field-manager=numarun -f /tmp/lab-probe.yaml");
    on_guest(
        "k3s-worker-slm-heavy",
        &format!("{kubectl} delete statefulset lab-probe --ignore-not-found"),
    );
    assert_eq!(
        guest_ssh("k3s-worker-slm-heavy", &diff).status.code(),
        Some(1),
        "a missing object shows as a difference"
    );
    on_guest("k3s-worker-slm-heavy", &apply);
    assert_eq!(
        guest_ssh("k3s-worker-slm-heavy", &diff).status.code(),
        Some(0),
        "applied twice, still a difference"
    );
    on_guest(
        "k3s-worker-slm-heavy",
        &format!("{kubectl} taint nodes k3s-worker-data workload=data:NoSchedule --overwrite"),
    );
    let taints = on_guest(
        "k3s-worker-slm-heavy",
        &format!("{kubectl} get node k3s-worker-data -o jsonpath='{{.spec.taints}}'"),
    );
    assert_eq!(taints, r#"[{"effect":"NoSchedule","key":"workload","value":"data"}]"#);

    // The stand-in schedules: a pod for the tainted node that does not tolerate its taint stays
    // Pending with the reason kubectl shows; with the toleration it runs there.
    let placed = |toleration: &str| {
        format!(
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: lab-placed}}\nspec:\n  serviceName: lab-placed\n  replicas: 1\n\
             \x20 selector: {{matchLabels: {{app: lab-placed}}}}\n  template:\n    metadata: {{labels: {{app: lab-placed}}}}\n\
             \x20   spec: {{nodeSelector: {{kubernetes.io/hostname: k3s-worker-data}}, tolerations: [{toleration}], containers: [{{name: c, image: x}}]}}\n"
        )
    };
    let pod = format!(
        "{kubectl} get pod lab-placed-0 -o jsonpath='{{.status.phase}} {{.spec.nodeName}}|{{.status.conditions[0].message}}'"
    );
    for (toleration, expected) in [
        (
            "",
            "Pending |0/4 nodes are available: 3 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {workload: data}.",
        ),
        (
            "{key: workload, operator: Equal, value: data, effect: NoSchedule}",
            "Running k3s-worker-data|",
        ),
    ] {
        on_guest(
            "k3s-worker-slm-heavy",
            &format!("cat > /tmp/lab-placed.yaml <<'EOF'\n{}EOF", placed(toleration)),
        );
        on_guest(
            "k3s-worker-slm-heavy",
            &format!(
                "{kubectl} apply --server-side --field-manager=numarun -f /tmp/lab-placed.yaml"
            ),
        );
        assert_eq!(on_guest("k3s-worker-slm-heavy", &pod), expected);
    }
    on_guest(
        "k3s-worker-slm-heavy",
        &format!(
            "{kubectl} delete statefulset lab-probe lab-placed && {kubectl} taint nodes k3s-worker-data workload-"
        ),
    );
}

/// Run last, by `.ci/run`: it takes the lab down under the other tests' feet.
#[test]
#[ignore = "takes the lab down; .ci/run runs it after the others"]
fn lab_down_leaves_nothing_behind() {
    if !common::runs_as_root("the lab") {
        return;
    }
    // Whichever mode it is up in (the real-VM site test leaves it with a real VM running).
    if !lab("status").status.success() {
        assert!(lab_up());
    }
    let down = lab("down");
    assert!(down.status.success(), "{}{}", text(&down.stdout), text(&down.stderr));
    let output = |program: &str, args: &[&str]| {
        text(&std::process::Command::new(program).args(args).output().unwrap().stdout)
    };
    assert!(!output("ip", &["netns", "list"]).contains("nrlab-"));
    assert!(!output("ip", &["-o", "link", "show"]).contains("nrlab"));
    assert!(!std::fs::read_to_string("/proc/mounts").unwrap().contains("numarun-lab"));
    assert!(!output("losetup", &["-l", "-n", "-O", "BACK-FILE"]).contains("numarun-lab"));
    let processes = output("ps", &["-eo", "args"]);
    let lab_daemons = ["systemd-nspawn", "apt-cacher-ng", "/usr/bin/qemu-system"];
    assert!(
        !processes.lines().any(|p| lab_daemons.iter().any(|d| p.starts_with(d))),
        "{processes}"
    );
    for guest in GUESTS {
        assert!(!guest_ssh(guest, "true").status.success(), "{guest} still answers");
    }
}
