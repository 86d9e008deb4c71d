# An apt caching proxy on the bridge. It forwards only to the mirrors of the host's own apt
# configuration (ForceManaged refuses everything else); no mirror name is written in the repo.

proxy_dir() { echo "$LAB_DIR/proxy"; }
proxy_pidfile() { echo "$(proxy_dir)/apt-cacher-ng.pid"; }

proxy_config() {
    local n=0 uri
    cat <<EOF
CacheDir: $CACHE_DIR/apt
LogDir: $(proxy_dir)
PidFile: $(proxy_pidfile)
SocketPath: $(proxy_dir)/socket
SupportDir: /usr/lib/apt-cacher-ng
BindAddress: $GATEWAY
Port: $PROXY_PORT
ForceManaged: 1
ExThreshold: 4
EOF
    # Each host mirror is remapped onto itself: that is what makes it "managed", hence allowed.
    for uri in $(host_sources | awk '{ sub("/$", "", $1); print $1 }' | sort -u); do
        echo "Remap-mirror$n: $uri ; $uri"
        n=$((n + 1))
    done
}

proxy_up() {
    local dir
    dir=$(proxy_dir)
    pid_alive "$(proxy_pidfile)" && return 0
    changed
    mkdir -p "$dir" "$CACHE_DIR/apt"
    chown -R apt-cacher-ng: "$dir" "$CACHE_DIR/apt" 2>/dev/null || true
    proxy_config >"$dir/acng.conf"
    apt-cacher-ng -c "$dir" ForeGround=0 >"$dir/start.log" 2>&1 || die "apt-cacher-ng did not start: $dir/start.log"
    wait_for 10 pid_alive "$(proxy_pidfile)" || die "apt-cacher-ng did not start: see $dir"
}

proxy_down() { stop_pid "$(proxy_pidfile)"; }
proxy_status() { pid_alive "$(proxy_pidfile)"; }
