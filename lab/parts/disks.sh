# The data guest's disks: sparse files on the host attached as loop devices, bound into the
# guest as /dev/vdb (hot tier) and /dev/vdc (lake), so mkfs, fstab and mount run for real.

disk_file() { echo "$LAB_DIR/disks/$1.img"; }
disk_loop() { losetup -n -O NAME -j "$(disk_file "$1")" | head -n 1; }

disks_up() {
    local dev
    mkdir -p "$LAB_DIR/disks"
    for dev in "${!DISK_SIZE[@]}"; do
        [ -f "$(disk_file "$dev")" ] || { changed; truncate -s "${DISK_SIZE[$dev]}" "$(disk_file "$dev")"; }
        [ -n "$(disk_loop "$dev")" ] || { changed; losetup -f "$(disk_file "$dev")"; }
    done
}

disks_down() {
    local dev loop
    for dev in "${!DISK_SIZE[@]}"; do
        for loop in $(losetup -n -O NAME -j "$(disk_file "$dev")" 2>/dev/null); do
            losetup -d "$loop"
        done
    done
    rm -rf "$LAB_DIR/disks"
}

disks_status() {
    local dev
    for dev in "${!DISK_SIZE[@]}"; do
        [ -n "$(disk_loop "$dev")" ] || return 1
    done
}
