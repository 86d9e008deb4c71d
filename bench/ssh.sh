#!/usr/bin/env bash
# SSH speed: 30 cheap steps per host on 1, 10 and 30 real sshd hosts on loopback,
# first run and no-op rerun (median of 3), wall time, ms per step-host, peak RSS.
# Usage: bench/ssh.sh [HOSTS ...]   (as root; default: 1 10 30)
set -euo pipefail
cd "$(dirname "$0")/.."
counts=("${@:-1 10 30}"); counts=(${counts[*]})
user=nrtest

command -v /usr/sbin/sshd >/dev/null || { echo "needs openssh-server" >&2; exit 1; }
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null
id "$user" >/dev/null 2>&1 || useradd -m -s /bin/sh "$user"
usermod -p '*' "$user"
mkdir -p /run/sshd
cargo build --release --quiet
bin=$PWD/target/release/numarun

work=$(mktemp -d /tmp/numarun-bench.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() { [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
ssh-keygen -q -t ed25519 -N '' -f "$work/client"
chmod 644 "$work/client.pub"

# The workload: 10 directories, 10 files, 10 line edits per host.
{
    echo "- hosts: all"
    echo "  tasks:"
    for i in $(seq 1 10); do echo "    - file: { path: \"{{ root }}/d$i\", state: directory, mode: '0755' }"; done
    for i in $(seq 1 10); do echo "    - copy: { dest: \"{{ root }}/d$i/f\", content: \"file $i of {{ inventory_hostname }}\\n\", mode: '0644' }"; done
    for i in $(seq 1 10); do echo "    - lineinfile: { path: \"{{ root }}/d$i/conf\", line: \"key$i = value\", create: true }"; done
} > "$work/play.yaml"

start_hosts() {
    local n=$1 port
    : > "$work/known_hosts"
    echo "all:" > "$work/inventory.yaml"
    echo "  hosts:" >> "$work/inventory.yaml"
    for i in $(seq 1 "$n"); do
        local dir="$work/h$i"
        mkdir -p "$dir/root" && chown "$user" "$dir/root"
        ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key"
        port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        printf 'Port %s\nListenAddress 127.0.0.1\nHostKey %s/host_key\nAuthorizedKeysFile %s/client.pub\nPidFile %s/pid\nUsePAM no\nStrictModes no\nPasswordAuthentication no\nLogLevel ERROR\n' \
            "$port" "$dir" "$work" "$dir" > "$dir/sshd_config"
        /usr/sbin/sshd -D -f "$dir/sshd_config" & pids+=($!)
        echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$dir/host_key.pub")" >> "$work/known_hosts"
        echo "    h$i: { ansible_host: 127.0.0.1, ansible_port: $port, root: $dir/root }" >> "$work/inventory.yaml"
    done
    cat >> "$work/inventory.yaml" <<VARS
  vars:
    ansible_user: $user
    ansible_ssh_private_key_file: $work/client
    ansible_ssh_known_hosts_file: $work/known_hosts
VARS
    for _ in $(seq 1 100); do
        nc_ok=1
        for p in $(grep -o 'ansible_port: [0-9]*' "$work/inventory.yaml" | cut -d' ' -f2); do
            (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || nc_ok=0
        done
        [ $nc_ok = 1 ] && break
        sleep 0.05
    done
}

stop_hosts() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; pids=(); rm -rf "$work"/h*; }

# Prints "seconds peak_kb changed" for one run.
measure() {
    /usr/bin/time -f '%e %M' -o "$work/time" "$bin" play "$work/play.yaml" -i "$work/inventory.yaml" -f "$1" --json-log "$work/log" > "$work/out" || { cat "$work/out"; exit 1; }
    local changed
    changed=$(grep -c '"event":"step_result".*"status":"changed"' "$work/log" || true)
    echo "$(cat "$work/time") $changed"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf '\n| hosts | run | wall (s) | ms per step-host | peak RSS (MB) | steps changed |\n|---:|---|---:|---:|---:|---:|\n'
for n in "${counts[@]}"; do
    start_hosts "$n"
    read -r first_s first_kb first_changed < <(measure "$n")
    rerun=()
    for _ in 1 2 3; do rerun+=("$(measure "$n")"); done
    rerun_s=$(printf '%s\n' "${rerun[@]}" | cut -d' ' -f1 | median)
    rerun_kb=$(printf '%s\n' "${rerun[@]}" | cut -d' ' -f2 | sort -n | tail -1)
    rerun_changed=$(printf '%s\n' "${rerun[@]}" | cut -d' ' -f3 | sort -n | tail -1)
    for row in "first $first_s $first_kb $first_changed" "no-op rerun $rerun_s $rerun_kb $rerun_changed"; do
        set -- $row
        [ "$1" = no-op ] && { label="no-op rerun"; shift 2; } || { label=first; shift; }
        awk -v n="$n" -v label="$label" -v s="$1" -v kb="$2" -v c="$3" \
            'BEGIN { printf "| %d | %s | %.2f | %.2f | %.1f | %d |\n", n, label, s, s * 1000 / (n * 30), kb / 1024, c }'
    done
    stop_hosts
done
