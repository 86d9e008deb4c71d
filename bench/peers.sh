#!/usr/bin/env bash
# numarun against ansible-core and pyinfra on real sshd hosts on loopback, then numarun alone on
# 300 hosts. As root: `bash bench/peers.sh [--hosts 1 10 30] [--repeat 3] [--scale-hosts 300]`.
# Writes bench/results/peers.json and peers.md and prints the table. See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench/peers.sh: run as root (it starts sshd daemons and adds a login user)" >&2; exit 1; }

# The peers, pinned, from PyPI into a venv kept between runs.
PEERS=(ansible-core==2.19.14 pyinfra==3.10.0)
venv=/var/cache/numarun-bench/venv
if [ "$(cat "$venv/peers" 2>/dev/null)" != "${PEERS[*]}" ]; then
    command -v /usr/sbin/sshd >/dev/null || apt-get install -y -qq --no-install-recommends openssh-server >/dev/null
    python3 -m venv --help >/dev/null 2>&1 || apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "${PEERS[@]}"
    echo "${PEERS[*]}" >"$venv/peers"
fi
cargo build --release --locked --quiet
exec "$venv/bin/python" bench/peers.py --numarun "$PWD/target/release/numarun" --venv "$venv" --command "bash bench/peers.sh${*:+ $*}" "$@"
