# Helpers every part uses.
# (grep without -q in pipelines: under pipefail, -q can end a pipe early and fail its writer.)

die() { echo "lab: $*" >&2; exit 1; }
say() { printf '  %-14s %s\n' "$1" "$2"; }

# Runs one part's "up", printing what it did and how long it took. A part sets CHANGED=1 when it
# had to build or start something.
timed() {
    local name=$1 started
    started=$(date +%s.%N)
    "$2"
    say "$name" "$([ "$CHANGED" = 1 ] && echo changed || echo ok) ($(elapsed "$started") s)"
}

elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

changed() { CHANGED=1; }

# Waits up to $1 seconds for a command to succeed.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@" 2>/dev/null; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.2
    done
}

# Is the process in this pid file alive?
# Writes a state file the way numarun writes a managed one: a temporary beside it, synced,
# renamed over it, the folder synced; a power cut leaves the old contents or the new.
write_state() {
    local file=$1 text=$2 tmp
    tmp=$(mktemp "$(dirname "$file")/.$(basename "$file").XXXXXX")
    printf '%s\n' "$text" >"$tmp"
    sync -- "$tmp"
    mv -f -- "$tmp" "$file"
    sync -- "$(dirname "$file")"
}

pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Stops the process in a pid file: TERM, then KILL after $2 seconds.
stop_pid() {
    local file=$1 grace=${2:-10} pid
    pid_alive "$file" || { rm -f "$file"; return 0; }
    pid=$(cat "$file")
    kill -TERM "$pid"
    wait_for "$grace" sh -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null || true
    wait_for 5 sh -c "! kill -0 $pid" || true
    rm -f "$file"
}

is_mounted() { findmnt --mountpoint "$1" >/dev/null; }

# Everything `down` must have removed; prints each leftover and fails when there is one.
leftovers() {
    local found=0 line
    while read -r line; do echo "lab: left behind: $line" >&2; found=1; done < <(
        ip netns list | awk '/^nrlab-/ { print "network namespace " $1 }'
        ip -o link show | awk -F': ' '$2 ~ /^nrlab/ { print "network link " $2 }'
        findmnt -rn -o TARGET | grep -F "$LAB_DIR" | sed 's/^/mount /' || true
        losetup -n -O NAME,BACK-FILE -l | grep -F "$LAB_DIR" | sed 's/^/loop device /' || true
        pgrep -a -f "systemd-nspawn .*--directory=$LAB_DIR" | sed 's/^/process /' || true
        pgrep -a -f "apt-cacher-ng .*$LAB_DIR" | sed 's/^/process /' || true
    )
    [ $found = 0 ] || exit 1
    echo "lab down: nothing left behind"
}
