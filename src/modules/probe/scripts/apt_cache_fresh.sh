# shellcheck shell=sh
# A check's probe: it only reads (src/modules/probe/mod.rs).
# Exits 0 when package lists exist and were updated within $2 seconds of now (the stamp $1).
ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1 && test -n "$(find "$1" -newermt "-$2 seconds" 2>/dev/null)"
