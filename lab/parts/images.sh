# What the site's host phases take as input on the lab: a base image with its checksum (a blank
# qcow2: the lab's domains are defined, started and pinned for real but boot no OS; the guests
# stand in for their operating systems) and a file standing in for the data VM's HDD.
# `down` also removes the lab's domains and the images the site made for them.

images_dir() { echo "$LAB_DIR/images"; }
SITE_IMAGES=/var/lib/libvirt/images/numarun-lab

images_up() {
    local dir
    dir=$(images_dir)
    [ -f "$dir/base.qcow2.sha256" ] && [ -f "$dir/hdd.img" ] && return 0
    changed
    mkdir -p "$dir"
    qemu-img create -q -f qcow2 "$dir/base.qcow2" 1G
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
