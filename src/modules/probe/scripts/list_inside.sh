# shellcheck shell=sh
# A check's probe: it only reads (src/modules/probe/mod.rs).
# Prints what is inside the folder $1 (links not followed): kind, mode, owner, group, path,
# NUL-terminated.
find "$1" -mindepth 1 -printf '%y %m %U %G %p\0'
