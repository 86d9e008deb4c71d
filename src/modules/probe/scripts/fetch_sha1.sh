# shellcheck shell=sh
# A check's probe: it only reads (src/modules/probe/mod.rs).
# Prints the SHA-1 of what curl fetches with the arguments given (a GET, its config on stdin):
# a check compares without keeping the bytes.
curl "$@" | sha1sum
