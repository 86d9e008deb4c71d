# What the site's host phases take as input on the lab: a base image with its checksum and a file
# standing in for the data VM's HDD. With containers, the base is a blank qcow2: the lab's domains
# are defined, started and pinned for real but boot no OS, and the containers stand in for their
# operating systems. With a real VM, it is the image `vm-image` builds, beside its kernel and initrd.
# `down` also removes the lab's domains and the images the site made for them.

images_dir() { echo "$LAB_DIR/images"; }
SITE_IMAGES=/var/lib/libvirt/images/numarun-lab

images_up() {
    local dir file
    dir=$(images_dir)
    [ -f "$dir/base.qcow2.sha256" ] && [ -f "$dir/hdd.img" ] && return 0
    changed
    mkdir -p "$dir"
    if [ "$MODE" = real-vm ]; then
        vm_image_up >/dev/null
        # Hard links where the cache shares the filesystem: the image is hundreds of megabytes.
        for file in base.qcow2 vmlinuz initrd.img; do
            ln -f "$(vm_image_dir)/$file" "$dir/$file" 2>/dev/null || cp "$(vm_image_dir)/$file" "$dir/$file"
        done
    else
        qemu-img create -q -f qcow2 "$dir/base.qcow2" 1G
    fi
    sha256sum "$dir/base.qcow2" | cut -d' ' -f1 >"$dir/base.qcow2.sha256"
    truncate -s 1G "$dir/hdd.img"
}

images_down() {
    local guest
    if libvirt_answers; then
        for guest in "${GUESTS[@]}"; do
            virsh -c qemu:///system destroy "$guest" >/dev/null 2>&1 || true
            virsh -c qemu:///system undefine "$guest" >/dev/null 2>&1 || true
        done
    fi
    rm -rf "$(images_dir)" "$SITE_IMAGES"
}

images_status() { [ -f "$(images_dir)/base.qcow2.sha256" ] && [ -f "$(images_dir)/hdd.img" ]; }
