//! The libvirt modules: fast, in one process on libvirt's `test:///default` driver (whose state
//! lives as long as one connection); real, on the lab's libvirtd (`qemu:///system`, software
//! emulation), across separate runs, with the rollback.

mod common;

use common::Test;
use common::lab::{lab_up, project, virsh};

const TEMPLATE: &str = "templates/libvirt/domain.xml.j2";

#[test]
fn on_the_test_driver_a_domain_is_defined_once_verified_and_only_ours_is_touched() {
    let t = Test::local();
    t.write(
        "plan.yaml",
        "virtual_machines:\n  - name: nrtest-fast\n    vcpu_count: 4\n    memory_mb: 256\n    tuning:\n\
         \x20     vcpu_pins: [0, 1, 2, 3]\n      emulator_cpuset: '4-5'\n      numa_memory: { nodeset: '0', mode: strict }\n",
    );
    let playbook = format!(
        "- hosts: localhost\n  vars:\n    uri: test:///default\n    vm: \"{{{{ vm_plan.virtual_machines[0] }}}}\"\n\
         \x20   libvirt_domain_type: test\n  tasks:\n\
         \x20   - vm_plan: {{ plan_file: plan.yaml, topology: {{ libvirt_uri: '{{{{ uri }}}}' }}, host_reserve_mb: 512 }}\n\
         \x20   - libvirt_domain: {{ name: nrtest-fast, uri: '{{{{ uri }}}}', template: {tpl} }}\n      register: first\n\
         \x20   - libvirt_domain: {{ name: nrtest-fast, uri: '{{{{ uri }}}}', template: {tpl} }}\n      register: second\n\
         \x20   - libvirt_verify: {{ vm: '{{{{ vm }}}}', uri: '{{{{ uri }}}}' }}\n\
         \x20   - name: the driver's own domain is not ours to redefine\n\
         \x20     libvirt_domain: {{ name: test, uri: '{{{{ uri }}}}', template: {tpl}, force: false }}\n\
         \x20     vars: {{ vm: {{ name: test, vcpu_count: 1, memory_mb: 64, tuning: {{ vcpu_pins: [0], emulator_cpuset: '1', \
         numa_memory: {{ nodeset: '0', mode: strict }} }} }} }}\n\
         \x20     register: foreign\n      ignore_errors: true\n\
         \x20   - libvirt_domain: {{ name: test, uri: '{{{{ uri }}}}', state: absent }}\n      register: left_alone\n\
         \x20   - assert:\n        that:\n\
         \x20         - first is changed and second is not changed\n\
         \x20         - foreign is failed and 'numarun did not create it' in foreign.msg\n\
         \x20         - left_alone is not changed\n",
        tpl = project(TEMPLATE)
    );
    t.write("playbook.yaml", &playbook);
    let run = t.run(&["play", "playbook.yaml", "-D"]);
    run.ok();
    assert_eq!(run.recap("localhost")["changed"], 1, "{}", run.stdout);
    assert_eq!(run.recap("localhost")["ignored"], 1, "{}", run.stdout);
    // The diff names numarun's fields, the guest's topology among them.
    assert!(run.stdout.contains("+vcpupin 3 cpuset=3"), "{}", run.stdout);
    assert!(
        run.stdout.contains("+cpu topology sockets=1 dies=1 cores=4 threads=1"),
        "{}",
        run.stdout
    );
}

/// The plan of the real tier: one VM on this machine's CPUs 0 (its vCPU) and 1 (its emulator).
const REAL_PLAN: &str = "virtual_machines:\n  - name: nrtest-real\n    vcpu_count: 1\n    memory_mb: 128\n\
    \x20   disk_path: /var/lib/libvirt/images/nrtest-real.qcow2\n    tuning:\n\
    \x20     vcpu_pins: ['0']\n      emulator_cpuset: '1'\n      numa_memory: { nodeset: '0', mode: strict }\n";

const HOT: &str = "/var/lib/libvirt/images/nrtest-real-hot.qcow2";

#[test]
fn on_libvirtd_a_pinned_vm_is_created_verified_given_a_disk_and_rolled_back_alone() {
    if !lab_up() {
        return;
    }
    for domain in ["nrtest-real", "nrtest-foreign"] {
        virsh(&["destroy", domain]);
        virsh(&["undefine", domain]);
    }
    let _ = std::fs::remove_file("/var/lib/libvirt/images/nrtest-real.qcow2");
    let _ = std::fs::remove_file(HOT);
    // A domain someone else made, which nothing of numarun's may touch.
    let t = Test::local();
    t.write(
        "foreign.xml",
        "<domain type='qemu'><name>nrtest-foreign</name><memory unit='MiB'>64</memory><os><type>hvm</type></os></domain>",
    );
    assert!(
        virsh(&["define", &t.path().join("foreign.xml").display().to_string()]).contains("defined")
    );

    t.write("plan.yaml", REAL_PLAN);
    let playbook = format!(
        "- hosts: localhost\n  vars:\n    vm: \"{{{{ vm_plan.virtual_machines[0] }}}}\"\n    libvirt_domain_type: qemu\n  tasks:\n\
         \x20   - vm_plan: {{ plan_file: plan.yaml }}\n\
         \x20   - qemu_img: {{ path: '{{{{ vm.disk_path }}}}', size: 64M }}\n\
         \x20   - libvirt_domain: {{ name: nrtest-real, template: {tpl} }}\n\
         \x20   - libvirt_verify: {{ vm: '{{{{ vm }}}}' }}\n\
         \x20   - qemu_img: {{ path: {HOT}, size: 32M }}\n\
         \x20   - libvirt_disk: {{ domain: nrtest-real, target: vdb, source: {HOT} }}\n",
        tpl = project(TEMPLATE)
    );
    t.write("playbook.yaml", &playbook);
    let first = t.run(&["play", "playbook.yaml"]);
    first.ok();
    assert_eq!(first.changed("localhost"), 4, "{}", first.stdout);
    let second = t.run(&["play", "playbook.yaml"]);
    second.ok();
    assert_eq!(second.changed("localhost"), 0, "{}", second.stdout);

    // What libvirt itself says, through virsh.
    assert!(virsh(&["domstate", "nrtest-real"]).contains("running"));
    assert!(
        virsh(&["vcpupin", "nrtest-real"])
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["0", "0"])
    );
    assert!(virsh(&["emulatorpin", "nrtest-real"]).contains("*: 1"));
    let numatune = virsh(&["numatune", "nrtest-real"]);
    assert!(numatune.contains("strict") && numatune.contains(": 0"), "{numatune}");
    assert!(
        virsh(&["domblklist", "nrtest-real", "--inactive"]).contains(HOT),
        "the disk is not persistent"
    );

    // vdb is taken: another image there is refused, and the first stays.
    t.write(
        "collide.yaml",
        "- hosts: localhost\n  tasks:\n    - libvirt_disk: { domain: nrtest-real, target: vdb, source: /var/lib/libvirt/images/other.qcow2 }\n",
    );
    let collide = t.run(&["play", "collide.yaml"]);
    assert_eq!(collide.code, 2);
    assert!(
        collide.stdout.contains(&format!("vdb of nrtest-real already holds {HOT}")),
        "{}",
        collide.stdout
    );

    // A domain numarun did not create is refused by the define step too.
    t.write(
        "adopt.yaml",
        &format!(
            "- hosts: localhost\n  vars: {{ vm: {{ name: nrtest-foreign, vcpu_count: 1, memory_mb: 64, tuning: {{ vcpu_pins: ['0'], \
             emulator_cpuset: '1', numa_memory: {{ nodeset: '0', mode: strict }} }} }}, guest_topology: {{ nrtest-foreign: \
             {{ sockets: 1, cores: 1, threads: 1 }} }}, libvirt_domain_type: qemu }}\n  tasks:\n\
             \x20   - libvirt_domain: {{ name: nrtest-foreign, template: {} }}\n",
            project(TEMPLATE)
        ),
    );
    let adopt = t.run(&["play", "adopt.yaml"]);
    assert_eq!(adopt.code, 2, "{}", adopt.stdout);

    // The rollback: ours and its images go; the foreign domain stays.
    t.write("hosts.yaml", "hypervisor:\n  hosts:\n    localhost: { ansible_connection: local }\n");
    let rollback = project("playbooks/rollback.yaml");
    let extra = format!(
        "{{\"vm_plan_file\": \"{}/plan.yaml\", \"vm_extra_images\": {{\"nrtest-real\": [\"{HOT}\"]}}}}",
        t.path().display()
    );
    let removed = t.run(&["play", &rollback, "-i", "hosts.yaml", "-e", &extra]);
    removed.ok();
    assert_eq!(removed.changed("localhost"), 1, "{}", removed.stdout);
    assert!(virsh(&["domstate", "nrtest-real"]).contains("failed to get domain"));
    assert!(
        !std::path::Path::new(HOT).exists()
            && !std::path::Path::new("/var/lib/libvirt/images/nrtest-real.qcow2").exists()
    );
    assert!(
        virsh(&["domstate", "nrtest-foreign"]).contains("shut off"),
        "rollback touched a foreign domain"
    );
    let again = t.run(&["play", &rollback, "-i", "hosts.yaml", "-e", &extra]);
    assert_eq!(again.changed("localhost"), 0, "{}", again.stdout);
    virsh(&["undefine", "nrtest-foreign"]);
}

/// A domain that asks for a lease with no OS at all: its network card's iPXE boot ROM does DHCP.
const PXE_DOMAIN: &str = "<domain type='qemu'><name>nrtest-pxe</name>\
    <metadata><numarun:vm xmlns:numarun='https://numarun.dev/xmlns/domain/1'/></metadata>\
    <memory unit='MiB'>128</memory><vcpu>1</vcpu>\
    <os><type arch='x86_64' machine='q35'>hvm</type><boot dev='network'/></os><features><acpi/><apic/></features>\
    <devices><interface type='network'><source network='default'/><model type='virtio'/></interface></devices></domain>";

#[test]
fn a_vm_address_comes_from_its_newest_lease_and_lands_in_vm_addresses() {
    if !lab_up() {
        return;
    }
    virsh(&["destroy", "nrtest-pxe"]);
    virsh(&["undefine", "nrtest-pxe"]);
    let t = Test::local();
    t.write(
        "playbook.yaml",
        &format!(
            "- hosts: localhost\n  tasks:\n\
             \x20   - libvirt_domain: {{ name: nrtest-pxe, xml: \"{PXE_DOMAIN}\", autostart: false }}\n\
             \x20   - libvirt_address: {{ domain: nrtest-pxe, timeout: 180 }}\n      register: found\n\
             \x20   - assert: {{ that: [\"vm_addresses['nrtest-pxe'] == found.address\", \"found.address.startswith('192.168.122.')\"] }}\n"
        ),
    );
    let first = t.run(&["play", "playbook.yaml"]);
    first.ok();
    let address = first.steps().iter().find_map(|s| {
        s["message"].as_str().and_then(|m| m.strip_prefix("nrtest-pxe: ")).map(str::to_string)
    });
    let address = address.unwrap_or_else(|| panic!("no address reported:\n{}", first.stdout));
    assert!(
        virsh(&["domifaddr", "nrtest-pxe", "--source", "lease"]).contains(&format!("{address}/"))
    );
    let again = t.run(&["play", "playbook.yaml"]);
    again.ok();
    assert_eq!(again.changed("localhost"), 0);

    // A VM that does not run: a failure at once, and in check mode an honest unknown.
    virsh(&["destroy", "nrtest-pxe"]);
    t.write(
        "stopped.yaml",
        "- hosts: localhost\n  tasks:\n    - libvirt_address: { domain: nrtest-pxe }\n",
    );
    let stopped = t.run(&["play", "stopped.yaml"]);
    assert_eq!(stopped.code, 2);
    assert!(stopped.stdout.contains("nrtest-pxe is not running"), "{}", stopped.stdout);
    let checked = t.run(&["play", "stopped.yaml", "--check"]);
    assert_eq!(checked.with_status("unknown").len(), 1, "{}", checked.stdout);
    virsh(&["undefine", "nrtest-pxe"]);
}
