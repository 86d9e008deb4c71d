# shellcheck shell=sh
# A check's probe: it only reads (src/modules/probe/mod.rs).
# Prints each one-line sources file (*.list) in the folder $1, one path a line.
for f in "$1"/*.list; do [ -f "$f" ] && printf '%s\n' "$f"; done; :
