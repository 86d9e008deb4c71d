# shellcheck shell=sh
# A check's probe: it only reads (src/modules/probe/mod.rs).
# Prints the folder $1's mode, then each folder and file inside it (links followed) as
# `TYPE MODE PATH`, NUL-terminated, sorted by path.
cd "$1" && stat -L -c '%a' . && find . -mindepth 1 -follow \( -type d -o -type f \) -printf '%y %m %P\0' | LC_ALL=C sort -z -k3
