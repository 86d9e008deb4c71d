# shellcheck shell=sh
# A check's probe: it only reads (src/modules/probe/mod.rs).
# Prints the access and modification times of $1 (when given, else nothing), then each further
# argument as `date -d` reads it, in seconds since the epoch.
if [ -n "$1" ]; then stat -c '%.9X %.9Y' -- "$1" || exit; fi; shift
for t; do date -d "$t" +%s || exit; done
