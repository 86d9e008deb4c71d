# libvirtd for the host phases (qemu:///system, software emulation). There is no systemd as
# PID 1 here, so the daemons are started by hand; the lab stops only what it started.

libvirt_marker() { echo "$LAB_DIR/libvirt.started-by-lab"; }
libvirt_answers() { virsh -c qemu:///system version >/dev/null 2>&1; }

libvirt_up() {
    libvirt_answers && return 0
    changed
    pgrep -x virtlogd >/dev/null || virtlogd -d
    libvirtd -d
    touch "$(libvirt_marker)"
    wait_for 20 libvirt_answers || die "libvirtd did not answer on qemu:///system"
}

libvirt_down() {
    [ -f "$(libvirt_marker)" ] || return 0
    stop_pid /run/libvirtd.pid 20
    stop_pid /run/virtlogd.pid 10
    rm -f "$(libvirt_marker)"
}

libvirt_status() { libvirt_answers; }
