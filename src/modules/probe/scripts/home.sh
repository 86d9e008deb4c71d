# shellcheck shell=sh
# A check's probe: it only reads (src/modules/probe/mod.rs).
# Prints the connection user's home folder.
printf %s "$HOME"
