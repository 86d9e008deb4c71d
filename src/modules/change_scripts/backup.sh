#!/bin/sh
# Copies $1 beside itself as NAME.PID.DATE@TIME~ (ansible-core's backup name), keeping its mode,
# owner and times, and prints the copy's path.
b="$1.$$.$(date +%Y-%m-%d@%H:%M:%S~)"
cp -p -- "$1" "$b" && printf %s "$b"
