# libvirtd for the host phases (qemu:///system, software emulation). There is no systemd as
# PID 1 here, so the daemons are started by hand; the lab stops only what it started.

# Its `default` network (NAT, DHCP by dnsmasq) gives VMs their leases.

libvirt_marker() { echo "$LAB_DIR/libvirt.started-by-lab"; }
libvirt_answers() { virsh -c qemu:///system version >/dev/null 2>&1; }
default_network_active() { [[ "$(virsh -c qemu:///system net-info default 2>/dev/null)" =~ Active:\ +yes ]]; }

libvirt_up() {
    if ! libvirt_answers; then
        changed
        pgrep -x virtlogd >/dev/null || virtlogd -d
        libvirtd -d
        touch "$(libvirt_marker)"
        wait_for 20 libvirt_answers || die "libvirtd did not answer on qemu:///system"
    fi
    if ! default_network_active; then
        changed
        virsh -c qemu:///system net-start default >/dev/null || die "libvirt's default network did not start"
    fi
}

libvirt_down() {
    [ -f "$(libvirt_marker)" ] || return 0
    virsh -c qemu:///system net-destroy default >/dev/null 2>&1 || true
    stop_pid /run/libvirtd.pid 20
    stop_pid /run/virtlogd.pid 10
    rm -f "$(libvirt_marker)"
}

libvirt_status() { libvirt_answers && default_network_active; }
