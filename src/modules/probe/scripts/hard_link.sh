# shellcheck shell=sh
# A check's probe: it only reads (src/modules/probe/mod.rs).
# Prints the device and inode of $2 (exit 3 when it is missing), then, when $1 exists, its
# device, inode and link count: whether $1 is a hard link to $2.
stat -L -c '%d:%i' -- "$2" || exit 3; [ -e "$1" ] || [ -L "$1" ] || exit 0
stat -c '%d:%i %h' -- "$1"
