# A private bridge on the host and one network namespace per container guest, joined by a veth
# pair. Guests reach the host and each other; there is no default route out. No DHCP server runs
# on it: a real VM on it has the static address its seed gives it, as on a LAN libvirt never sees.

netns() { echo "nrlab-${OCTET[$1]}"; }
host_veth() { echo "nrlab-h${OCTET[$1]}"; }

network_up() {
    local guest ns
    if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
        changed
        ip link add "$BRIDGE" type bridge
        ip addr add "$GATEWAY/24" dev "$BRIDGE"
        ip link set "$BRIDGE" up
    fi
    for guest in "${CONTAINERS[@]}"; do
        ns=$(netns "$guest")
        ip netns list | grep -x "$ns\( .*\)\?" >/dev/null && continue
        changed
        ip netns add "$ns"
        ip link add "$(host_veth "$guest")" type veth peer name eth0 netns "$ns"
        ip link set "$(host_veth "$guest")" master "$BRIDGE" up
        ip -n "$ns" addr add "$NET.${OCTET[$guest]}/24" dev eth0
        ip -n "$ns" link set eth0 up
        ip -n "$ns" link set lo up
    done
}

network_down() {
    local guest
    for guest in "${GUESTS[@]}"; do
        ip link del "$(host_veth "$guest")" 2>/dev/null || true
        ip netns del "$(netns "$guest")" 2>/dev/null || true
    done
    ip link del "$BRIDGE" 2>/dev/null || true
}

network_status() {
    local guest
    ip link show "$BRIDGE" >/dev/null 2>&1 || return 1
    for guest in "${CONTAINERS[@]}"; do
        ip netns list | grep -x "$(netns "$guest")\( .*\)\?" >/dev/null || return 1
    done
}
