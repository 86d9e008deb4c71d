//! One real VM, end to end, under software emulation: an image built offline (`lab/lab
//! vm-image`), its base image checked by sha256, an overlay disk, a cloud-init seed carrying a
//! host key made here, a pinned domain booted with it, its address from the DHCP lease, and
//! a guest step over SSH that trusts only the pinned key. Minutes long: `.ci/run` runs it.

mod common;

use common::Test;
use common::lab::{lab, lab_up, project, text, virsh};

const IMAGES: &str = "/var/lib/libvirt/images";

/// The value after `label` in `lab/lab vm-image`'s output.
fn image_part(listing: &str, label: &str) -> String {
    let line = listing
        .lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no {label} in\n{listing}"));
    line[label.len()..].split_whitespace().next().unwrap().to_string()
}

fn keygen(path: &std::path::Path) {
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "nrtest-vm", "-f"])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
#[ignore = "builds an image and boots a VM under software emulation (minutes); .ci/run runs it"]
fn a_real_vm_boots_from_its_seed_and_answers_over_ssh_with_its_pinned_key() {
    if !lab_up() {
        return;
    }
    let built = lab("vm-image");
    assert!(built.status.success(), "{}", text(&built.stderr));
    let listing = text(&built.stdout);
    let (image, kernel, initrd) = (
        image_part(&listing, "image:"),
        image_part(&listing, "kernel:"),
        image_part(&listing, "initrd:"),
    );
    let sha256 = listing
        .lines()
        .find_map(|l| l.split("(sha256 ").nth(1))
        .unwrap()
        .trim_end_matches(')')
        .to_string();
    remove_vm();

    let t = Test::new();
    keygen(&t.path().join("hostkey"));
    keygen(&t.path().join("client"));
    let client_pub = t.read("client.pub");
    let host_pub = t.read("hostkey.pub");
    t.write(
        "plan.yaml",
        &format!(
            "virtual_machines:\n  - name: nrtest-vm\n    vcpu_count: 1\n    memory_mb: 512\n\
             \x20   disk_path: {IMAGES}/nrtest-vm.qcow2\n    cloud_init_iso_path: {IMAGES}/nrtest-vm-seed.iso\n\
             \x20   tuning: {{ vcpu_pins: ['0'], emulator_cpuset: '1', numa_memory: {{ nodeset: '0', mode: strict }} }}\n\
             \x20   user_configs: [{{ username: admin, ssh_authorized_keys: ['{}'] }}]\n",
            client_pub.trim()
        ),
    );
    // cloud-init restarts sshd late in boot once it has applied `ssh_pwauth`; a handshake that
    // meets the restart is reset, hence `ansible_ssh_retries`.
    t.write(
        "inventory.yaml",
        &format!(
            "hypervisor:\n  hosts:\n    localhost: {{ ansible_connection: local }}\nvms:\n  hosts:\n    nrtest-vm:\n\
             \x20     ansible_host: \"{{{{ hostvars['localhost'].vm_addresses['nrtest-vm'] }}}}\"\n\
             \x20     ansible_user: admin\n      ansible_ssh_private_key_file: {{dir}}/client\n\
             \x20     ansible_ssh_host_key: '{}'\n      ansible_ssh_timeout: 10\n\
             \x20     ansible_ssh_retries: 6\n",
            host_pub.trim()
        ),
    );
    t.write(
        "playbook.yaml",
        &format!(
            "- hosts: hypervisor\n  vars:\n    vm: \"{{{{ vm_plan.virtual_machines[0] }}}}\"\n    libvirt_domain_type: qemu\n\
             \x20   libvirt_network: default\n    vm_kernel: {kernel}\n    vm_initrd: {initrd}\n  tasks:\n\
             \x20   - vm_plan: {{ plan_file: plan.yaml }}\n\
             \x20   - base_image: {{ src: {image}, dest: {IMAGES}/nrtest-base.qcow2, sha256: {sha256} }}\n\
             \x20   - qemu_img: {{ path: '{{{{ vm.disk_path }}}}', size: 4G, backing_file: {IMAGES}/nrtest-base.qcow2 }}\n\
             \x20   - cloud_init_iso:\n        path: '{{{{ vm.cloud_init_iso_path }}}}'\n        hostname: '{{{{ vm.name }}}}'\n\
             \x20       users: '{{{{ vm.user_configs }}}}'\n\
             \x20       host_keys: {{ ed25519: {{ private: \"{{{{ lookup('file', 'hostkey') }}}}\\n\", public: \"{{{{ lookup('file', 'hostkey.pub') }}}}\" }} }}\n\
             \x20     no_log: true\n\
             \x20   - libvirt_domain: {{ name: nrtest-vm, template: {template} }}\n\
             \x20   - libvirt_address: {{ domain: nrtest-vm, timeout: 600 }}\n\
             \x20   - name: sshd answers\n      command: {{ argv: [bash, -c, '</dev/tcp/{{{{ vm_addresses[vm.name] }}}}/22'] }}\n\
             \x20     register: port\n      until: port.rc == 0\n      retries: 120\n      delay: 5\n      changed_when: false\n\
             - hosts: vms\n  tasks:\n\
             \x20   - command: hostname\n      register: name\n      changed_when: false\n\
             \x20     until: name is success\n      retries: 60\n      delay: 5\n\
             \x20   - assert: {{ that: [name.stdout == inventory_hostname] }}\n\
             \x20   - copy: {{ dest: /home/admin/numarun-was-here, content: \"hello\\n\" }}\n",
            template = project("templates/libvirt/domain.xml.j2")
        ),
    );
    let first = t.run(&["play", "playbook.yaml"]);
    let console =
        std::fs::read_to_string("/var/log/libvirt/qemu/nrtest-vm-console.log").unwrap_or_default();
    assert_eq!(first.code, 0, "{}\n{}\nconsole:\n{console}", first.stdout, first.stderr);
    assert_eq!(first.changed("nrtest-vm"), 1, "{}", first.stdout);
    let again = t.run(&["play", "playbook.yaml"]);
    again.ok();
    assert_eq!(again.changed("localhost") + again.changed("nrtest-vm"), 0, "{}", again.stdout);

    remove_vm();
}

/// The test's VM and its images, gone: a disk left from an earlier boot would skip cloud-init.
fn remove_vm() {
    virsh(&["destroy", "nrtest-vm"]);
    virsh(&["undefine", "nrtest-vm"]);
    for image in [
        "nrtest-vm.qcow2",
        "nrtest-vm-seed.iso",
        "nrtest-vm-seed.iso.numarun-seed",
        "nrtest-base.qcow2",
    ] {
        let _ = std::fs::remove_file(format!("{IMAGES}/{image}"));
    }
}
