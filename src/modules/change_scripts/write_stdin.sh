#!/bin/sh
# Writes stdin to the file $1 in place (a kernel setting under /proc/sys or /sys, which cannot
# be renamed over): the value travels on stdin, never on a command line.
cat > "$1"
