#!/usr/bin/env bash
# Builds numarun's Debian package into target/debian/ and prints its path: the release binaries,
# and the manual pages and completion scripts the binary writes of itself, packaged by cargo-deb
# as Cargo.toml's [package.metadata.deb] says. Needs dpkg-dev (dpkg-shlibdeps) for the
# package's dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
command -v cargo-deb >/dev/null || cargo install --locked --quiet cargo-deb
cargo build --locked --release --quiet
bin=target/release/numarun
assets=target/assets
rm -rf "$assets"
mkdir -p "$assets/man" "$assets/completions"
"$bin" man | gzip -9n >"$assets/man/numarun.1.gz"
# Every subcommand its page: the list is the binary's own.
for sub in $("$bin" --help | awk '/^Commands:/ { on = 1; next } /^$/ { on = 0 } on && $1 != "help" { print $1 }'); do
    "$bin" man "$sub" | gzip -9n >"$assets/man/numarun-$sub.1.gz"
done
"$bin" completions bash >"$assets/completions/numarun.bash"
"$bin" completions zsh >"$assets/completions/_numarun"
"$bin" completions fish >"$assets/completions/numarun.fish"
cargo deb --no-build --quiet
