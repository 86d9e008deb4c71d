# The Debian packages the lab runs on. qemu-utils on this image comes from backports and blocks
# qemu-system-x86, so it is pinned to the release's own version (a downgrade, allowed).

# libvirt-dev and pkg-config build numarun itself (the virt crate links libvirt); xorriso makes
# the VMs' cloud-init seeds.
HOST_PACKAGES=(debootstrap systemd-container apt-cacher-ng iproute2 openssh-client
    libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils libvirt-dev pkg-config xorriso curl
    numactl sysstat)

missing_packages() {
    local package
    for package in "${HOST_PACKAGES[@]}"; do
        dpkg-query -W -f '${Status}\n' "$package" 2>/dev/null | grep '^install ok installed$' >/dev/null ||
            echo "$package"
    done
}

release_version() {
    # The candidate from the release itself, not from backports.
    apt-cache madison "$1" | awk -v suite="$(. /etc/os-release && echo "$VERSION_CODENAME")" \
        '$0 ~ (" " suite "/") { print $3; exit }'
}

host_packages_up() {
    local missing version
    if dpkg-query -W -f '${Version}' qemu-utils 2>/dev/null | grep '~bpo' >/dev/null; then
        missing=qemu-utils
    else
        missing=$(missing_packages)
    fi
    [ -n "$missing" ] || return 0
    changed
    apt-get update -qq
    version=$(release_version qemu-utils)
    # With recommends: libvirt's networks need dnsmasq-base, which is only recommended.
    # shellcheck disable=SC2046
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --allow-downgrades \
        $(missing_packages | grep -v '^qemu-utils$') "qemu-utils${version:+=$version}" >/dev/null
    # Debian starts the proxy's own instance on install where it can; the lab runs its own.
    pkill -x apt-cacher-ng 2>/dev/null || true
}

host_packages_down() { :; }
host_packages_status() { [ -z "$(missing_packages)" ]; }
