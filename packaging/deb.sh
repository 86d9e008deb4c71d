#!/usr/bin/env bash
# Builds numarun's Debian package into target/debian/ and prints its path: the release binaries,
# the manual pages and completion scripts the binary writes of itself, and the README, with the
# dependencies dpkg-shlibdeps finds in what the binaries link (libvirt0, libc6). Plain dpkg-deb:
# nothing to install but dpkg-dev.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
cargo build --locked --release --quiet
field() { sed -n "s/^$1 = \"\(.*\)\"$/\1/p" Cargo.toml | head -n 1; }
version="$(field version)-1"
arch=$(dpkg --print-architecture)
out=target/debian
root=$out/root
rm -rf "$root"
install -d "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/man/man1" "$root/usr/share/doc/numarun" \
    "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" \
    "$root/usr/share/fish/vendor_completions.d"
for program in numarun numarun-keeper; do
    install -m 755 "target/release/$program" "$root/usr/bin/"
    strip --strip-unneeded "$root/usr/bin/$program"
done
bin=$root/usr/bin/numarun
man=$root/usr/share/man/man1
"$bin" man | gzip -9n >"$man/numarun.1.gz"
# Every subcommand its page: the list is the binary's own.
for sub in $("$bin" --help | awk '/^Commands:/ { on = 1; next } /^$/ { on = 0 } on && $1 != "help" { print $1 }'); do
    "$bin" man "$sub" | gzip -9n >"$man/numarun-$sub.1.gz"
done
"$bin" completions bash >"$root/usr/share/bash-completion/completions/numarun"
"$bin" completions zsh >"$root/usr/share/zsh/vendor-completions/_numarun"
"$bin" completions fish >"$root/usr/share/fish/vendor_completions.d/numarun.fish"
install -m 644 README.md "$root/usr/share/doc/numarun/"
printf 'numarun\nCopyright: numarun developers\nLicense: %s\n' "$(field license)" >"$root/usr/share/doc/numarun/copyright"
chmod -R u=rwX,go=rX "$root/usr"
# dpkg-shlibdeps reads a source package's control file: a minimal one, in a folder of its own.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/debian"
printf 'Source: numarun\n\nPackage: numarun\nArchitecture: any\n' >"$work/debian/control"
depends=$(cd "$work" && dpkg-shlibdeps -O "$OLDPWD/$root/usr/bin/numarun" "$OLDPWD/$root/usr/bin/numarun-keeper" |
    sed -n 's/^shlibs:Depends=//p')
cat >"$root/DEBIAN/control" <<CONTROL
Package: numarun
Version: $version
Architecture: $arch
Maintainer: numarun developers <numarun@localhost>
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $depends
Section: admin
Priority: optional
Description: $(field description)
 numarun reads Ansible-style YAML playbooks and inventories and runs them phase
 by phase over SSH, every step a check that reads state and an apply that
 changes it. Its first job turns one dual-socket server into NUMA-pinned VMs
 through libvirt.
CONTROL
package="$out/numarun_${version}_$arch.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$package" >/dev/null
echo "$package"
