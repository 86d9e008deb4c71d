# The guests: booted systemd-nspawn containers (systemd, sshd, cron), each on an overlay over
# the base so its packages, fstab, /data and crontab are its own, each in its own namespace.
# Their host keys are made here and written to the lab's known_hosts: no trust on first use.

guest_dir() { echo "$LAB_DIR/guests/$1"; }
guest_pidfile() { echo "$(guest_dir "$1")/nspawn.pid"; }
ssh_dir() { echo "$LAB_DIR/ssh"; }

# The client key numarun logs in with (inventory/lab.yaml points at it).
client_key() {
    local key
    key="$(ssh_dir)/id_ed25519"
    [ -f "$key" ] || { mkdir -p "$(ssh_dir)"; ssh-keygen -q -t ed25519 -N '' -C numarun-lab -f "$key"; }
    echo "$key"
}

mount_guest_root() {
    local dir
    dir=$(guest_dir "$1")
    is_mounted "$dir/root" && return 0
    mkdir -p "$dir/upper" "$dir/work" "$dir/root"
    mount -t overlay overlay -o "lowerdir=$(base_dir),upperdir=$dir/upper,workdir=$dir/work" "$dir/root"
}

# Identity written once into the guest's own layer: hostname, host key, admin's authorized key.
first_boot_files() {
    local guest=$1 root
    root="$(guest_dir "$guest")/root"
    [ -f "$root/etc/ssh/ssh_host_ed25519_key" ] && return 0
    echo "$guest" >"$root/etc/hostname"
    ssh-keygen -q -t ed25519 -N '' -C "$guest" -f "$root/etc/ssh/ssh_host_ed25519_key"
    install -d -m 700 -o 1000 -g 1000 "$root/home/admin/.ssh"
    install -m 600 -o 1000 -g 1000 "$(client_key).pub" "$root/home/admin/.ssh/authorized_keys"
}

write_known_hosts() {
    local guest file
    file="$(ssh_dir)/known_hosts"
    for guest in "${CONTAINERS[@]}"; do
        echo "$NET.${OCTET[$guest]},$guest $(cut -d' ' -f1,2 "$(guest_dir "$guest")/root/etc/ssh/ssh_host_ed25519_key.pub")"
    done >"$file.tmp"
    mv "$file.tmp" "$file"
}

start_guest() {
    local guest=$1 dir binds=() dev
    dir=$(guest_dir "$guest")
    if [ "$guest" = "$DATA_GUEST" ]; then
        # Also under its own name: with no udev in the guest, LABEL= finds a disk only by
        # scanning /proc/partitions, whose names are the loop devices'.
        for dev in "${!DISK_SIZE[@]}"; do binds+=("--bind=$(disk_loop "$dev"):/dev/$dev" "--bind=$(disk_loop "$dev")"); done
    fi
    # --register=no --keep-unit: there is no systemd (nor machined) as PID 1 on the host.
    # guest-machine boots the guest again when it reboots.
    setsid "$LAB_SRC/parts/guest-machine" --boot --register=no --keep-unit --quiet --console=read-only \
        --directory="$dir/root" --machine="$guest" --network-namespace-path="/run/netns/$(netns "$guest")" \
        --resolv-conf=off "${binds[@]}" </dev/null >"$dir/console.log" 2>&1 &
    echo $! >"$(guest_pidfile "$guest")"
}

guest_ssh() {
    local guest=$1
    shift
    ssh -q -o BatchMode=yes -o ConnectTimeout=2 -o StrictHostKeyChecking=yes \
        -o UserKnownHostsFile="$(ssh_dir)/known_hosts" -i "$(client_key)" "admin@$NET.${OCTET[$guest]}" "$@"
}

guests_up() {
    local guest booted=()
    for guest in "${CONTAINERS[@]}"; do
        pid_alive "$(guest_pidfile "$guest")" && continue
        changed
        mount_guest_root "$guest"
        first_boot_files "$guest"
        start_guest "$guest"
        booted+=("$guest")
    done
    write_known_hosts
    for guest in "${booted[@]}"; do
        wait_for 60 guest_ssh "$guest" true ||
            die "$guest did not answer over SSH within 60 s; see $(guest_dir "$guest")/console.log"
        settle "$guest"
    done
}

# Waits for the guest's boot to finish; a unit that failed to start (nspawn on a cgroup v1 host
# now and then fails one with 219/CGROUP) is started once more before the guest counts as up.
# Started, not restarted: a failed unit is not running, and some (systemd-tmpfiles-setup)
# refuse a manual stop, which a restart is.
settle() {
    local guest=$1 state failed
    state=$(guest_ssh "$guest" systemctl is-system-running --wait || true)
    [ "$state" = running ] && return 0
    failed=$(guest_ssh "$guest" systemctl list-units --state=failed --plain --no-legend | awk '{ print $1 }' | tr '\n' ' ')
    guest_ssh "$guest" "sudo systemctl reset-failed && sudo systemctl start $failed" ||
        die "$guest: $failed failed and would not start again"
    state=$(guest_ssh "$guest" systemctl is-system-running --wait || true)
    [ "$state" = running ] || die "$guest is $state after restarting $failed"
}

guests_down() {
    local guest dir
    # All power off at once; then each is waited for (and killed if it hangs).
    for guest in "${GUESTS[@]}"; do
        if pid_alive "$(guest_pidfile "$guest")"; then kill -TERM "$(cat "$(guest_pidfile "$guest")")"; fi
    done
    for guest in "${GUESTS[@]}"; do
        dir=$(guest_dir "$guest")
        stop_pid "$(guest_pidfile "$guest")" 30
        if is_mounted "$dir/root"; then umount -R "$dir/root"; fi
    done
    rm -rf "$LAB_DIR/guests" "$(ssh_dir)"
}

guests_status() {
    local guest
    for guest in "${CONTAINERS[@]}"; do
        pid_alive "$(guest_pidfile "$guest")" || return 1
    done
}

guests_status_any() {
    local guest
    for guest in "${GUESTS[@]}"; do
        pid_alive "$(guest_pidfile "$guest")" && return 0
    done
    return 1
}
