# One Debian root that every guest's overlay sits on: debootstrap once, cached between runs,
# rebuilt only when this recipe changes (and only while no guest uses it).

BASE_PACKAGES=systemd,systemd-sysv,dbus,openssh-server,cron,iproute2,sudo,python3,ca-certificates,e2fsprogs,procps

suite() { . /etc/os-release && echo "$VERSION_CODENAME"; }
base_dir() { echo "$CACHE_DIR/base-$(suite)"; }
# What the base depends on: this file and the guests' addresses (written into /etc/hosts).
base_recipe() { { cat "$LAB_SRC/parts/base.sh"; declare -p OCTET; } | sha256sum | cut -c1-16; }

# The host's own package sources, as apt itself reads them: "uri suite component" per line.
host_sources() {
    # shellcheck disable=SC2016 # apt's own placeholders, not the shell's
    apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' 'Created-By: Packages' |
        sort -u | grep '^http://' || die "the host's apt configuration names no http:// mirror for the proxy"
}

# The real kubectl, never a dispatcher script or a symlink into one: guests run it on their own.
real_kubectl() {
    local candidate
    candidate=$(find /usr/lib/google-cloud-sdk/bin -name 'kubectl.1.*' 2>/dev/null | sort -V | tail -n 1)
    [ -n "$candidate" ] || candidate=$(readlink -f "$(command -v kubectl)" 2>/dev/null) ||
        die "no kubectl on this machine: install one (Debian: kubernetes-client) for the k3s stand-in"
    "$candidate" version --client >/dev/null 2>&1 || die "$candidate does not run"
    echo "$candidate"
}

# The host's mirrors, through the lab's apt proxy on the bridge (a guest has no other way out).
lab_apt_sources() {
    local root=$1
    host_sources | awk '{ line[$1 " " $2] = line[$1 " " $2] " " $3 } END { for (k in line) print "deb " k line[k] }' |
        sort >"$root/etc/apt/sources.list"
    echo "Acquire::http::Proxy \"http://$GATEWAY:$PROXY_PORT\";" >"$root/etc/apt/apt.conf.d/01numarun-lab-proxy"
}

# The guests by name, for /etc/hosts: no DNS server serves the bridge.
lab_hosts() {
    local guest
    for guest in "${GUESTS[@]}"; do
        echo "$NET.${OCTET[$guest]} $guest"
    done
}

base_up() {
    local dir tmp mirror
    dir=$(base_dir)
    [ "$(cat "$dir/.numarun-lab-base" 2>/dev/null)" = "$(base_recipe)" ] && return 0
    guests_status_any && die "the base recipe changed while guests use it: run lab/lab down first"
    changed
    tmp="$dir.building"
    rm -rf "$tmp"
    mirror=$(host_sources | awk -v s="$(suite)" '$2 == s { print $1; exit }')
    [ -n "$mirror" ] || die "no mirror for $(suite) in the host's apt configuration"
    debootstrap --variant=minbase --include="$BASE_PACKAGES" "$(suite)" "$tmp" "$mirror" >"$CACHE_DIR/debootstrap.log" 2>&1 ||
        die "debootstrap failed; see $CACHE_DIR/debootstrap.log"
    customise_base "$tmp"
    rm -rf "$dir"
    mv "$tmp" "$dir"
}

customise_base() {
    local root=$1 guest
    # Each guest gets its own host keys; the base keeps none.
    rm -f "$root"/etc/ssh/ssh_host_*
    lab_apt_sources "$root"
    # The guide's VMs are reached as an unprivileged admin with sudo, as cloud images set them up.
    chroot "$root" useradd --create-home --shell /bin/bash admin
    chroot "$root" usermod -p '*' admin
    echo 'admin ALL=(ALL) NOPASSWD: ALL' >"$root/etc/sudoers.d/admin"
    chmod 440 "$root/etc/sudoers.d/admin"
    install -m 755 "$(real_kubectl)" "$root/usr/local/bin/kubectl"
    lab_hosts >>"$root/etc/hosts"
    : >"$root/etc/machine-id"
    # No /run/nologin at boot: logins then never wait on systemd-user-sessions, which nspawn on a
    # cgroup v1 host now and then fails to start (status 219/CGROUP).
    ln -sf /dev/null "$root/etc/tmpfiles.d/systemd-nologin.conf"
    chroot "$root" apt-get clean
    base_recipe >"$root/.numarun-lab-base"
}

base_down() { :; }
base_status() { [ "$(cat "$(base_dir)/.numarun-lab-base" 2>/dev/null)" = "$(base_recipe)" ]; }
