#!/usr/bin/env bash
# Fuzzes every loader for a bounded time: `bash fuzz/run.sh [SECONDS_PER_TARGET]` (default 20).
# Seeds are the repository's own playbooks, inventories, plans and templates. cargo fuzz wants
# a nightly compiler; RUSTC_BOOTSTRAP lets the stable one take its flags, and without
# sanitizers (numarun has no unsafe parsing code) a crash is a panic. A crash fails the run
# and leaves its input under fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-20}
export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
export RUSTC_BOOTSTRAP=1
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
# libFuzzer ends a timed run with exit(), which skips the temp dir of the input in flight.
mkdir "$corpus/tmp"
seed() {
    local target=$1
    shift
    mkdir -p "$corpus/$target"
    find "$@" -type f -exec cp --backup=numbered -t "$corpus/$target" {} +
}
declare -A SEEDS=(
    [playbook]="../playbooks"
    [inventory]="../inventory"
    [vm_plan]="../examples ../lab/vm-plan.yaml"
    [template]="../templates"
)
cargo fuzz build --dev --sanitizer none
for target in playbook inventory vm_plan template; do
    # shellcheck disable=SC2086 # the seed paths are words
    seed "$target" ${SEEDS[$target]}
    echo "fuzz: $target for ${seconds}s"
    if ! TMPDIR="$corpus/tmp" cargo fuzz run --dev --sanitizer none "$target" "$corpus/$target" -- -max_total_time="$seconds" \
        -rss_limit_mb=1024 >"$corpus/$target.log" 2>&1; then
        tail -n 40 "$corpus/$target.log"
        echo "fuzz: $target crashed; its input is under fuzz/artifacts/$target/"
        exit 1
    fi
    grep -E '^Done [0-9]+ runs' "$corpus/$target.log" || tail -n 3 "$corpus/$target.log"
done
