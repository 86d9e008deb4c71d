# A small Debian cloud image built offline, for booting one real VM under software emulation:
# debootstrap with the cloud kernel, cloud-init and sshd, written into an ext4 filesystem
# (`mkfs.ext4 -d`) and converted to qcow2. No bootloader: the kernel and initrd sit beside the
# image, for libvirt's direct kernel boot. Built by `lab/lab vm-image` only, cached, rebuilt
# when this recipe changes.

# python3-cffi-backend: debootstrap resolves no virtual packages, and cloud-init needs the one it provides.
# The guide's 2.2 packages (qemu-guest-agent, python3, curl) are in it already, as in the cloud
# images the guide starts from, so the seed's install finds them; cron for phase 11's crontab;
# net-tools for the `route` that cloud-init's ifupdown renderer writes the default route with.
VM_IMAGE_PACKAGES=linux-image-cloud-amd64,cloud-init,python3-cffi-backend,openssh-server,systemd-sysv,sudo,ifupdown,isc-dhcp-client,iproute2,e2fsprogs,procps,qemu-guest-agent,python3,curl,cron,ca-certificates,net-tools
VM_IMAGE_SIZE=2G

vm_image_dir() { echo "$CACHE_DIR/vm-image"; }
# What the image depends on: this file and the guests' addresses (written into /etc/hosts).
vm_image_recipe() { { cat "$LAB_SRC/parts/vm-image.sh"; declare -p OCTET; } | sha256sum | cut -c1-16; }

vm_image_up() {
    local dir tmp mirror
    dir=$(vm_image_dir)
    if [ "$(cat "$dir/recipe" 2>/dev/null)" != "$(vm_image_recipe)" ]; then
        changed
        tmp="$dir.building"
        rm -rf "$tmp"
        mkdir -p "$tmp"
        mirror=$(host_sources | awk -v s="$(suite)" '$2 == s { print $1; exit }')
        debootstrap --variant=minbase --include="$VM_IMAGE_PACKAGES" "$(suite)" "$tmp/root" "$mirror" >"$tmp/debootstrap.log" 2>&1 ||
            die "debootstrap of the VM image failed; see $tmp/debootstrap.log"
        configure_vm_image "$tmp/root"
        install -m 644 "$tmp"/root/boot/vmlinuz-* "$tmp/vmlinuz"
        install -m 644 "$tmp"/root/boot/initrd.img-* "$tmp/initrd.img"
        truncate -s "$VM_IMAGE_SIZE" "$tmp/disk.raw"
        mkfs.ext4 -q -F -L vmroot -d "$tmp/root" "$tmp/disk.raw"
        qemu-img convert -O qcow2 "$tmp/disk.raw" "$tmp/base.qcow2"
        rm -rf "$tmp/disk.raw" "$tmp/root"
        (cd "$tmp" && sha256sum base.qcow2 >base.qcow2.sha256)
        vm_image_recipe >"$tmp/recipe"
        rm -rf "$dir"
        mv "$tmp" "$dir"
    fi
    chmod 755 "$dir"
    echo "image:  $dir/base.qcow2 (sha256 $(cut -d' ' -f1 "$dir/base.qcow2.sha256"))"
    echo "kernel: $dir/vmlinuz"
    echo "initrd: $dir/initrd.img"
}

configure_vm_image() {
    local root=$1
    echo "/dev/vda / ext4 defaults 0 1" >"$root/etc/fstab"
    # cloud-init writes the host keys it is given; none may come from the build.
    rm -f "$root"/etc/ssh/ssh_host_*
    : >"$root/etc/machine-id"
    # Only the seed ISO: no probing of cloud metadata services that do not exist here.
    echo "datasource_list: [ NoCloud, None ]" >"$root/etc/cloud/cloud.cfg.d/90-numarun.cfg"
    # Packages through the lab's proxy on the bridge, names from /etc/hosts, as the containers.
    lab_apt_sources "$root"
    lab_hosts >>"$root/etc/hosts"
    # A locale the image has (C.UTF-8 is built into libc): cloud-init sets the system's own,
    # and would fail its boot on the en_US.UTF-8 it otherwise assumes.
    echo "LANG=C.UTF-8" >"$root/etc/default/locale"
    chroot "$root" apt-get clean
}
