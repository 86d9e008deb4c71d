#!/bin/sh
# A temporary file (or, with -d among the arguments, folder) in $IN, else $TMPDIR, else /tmp;
# the arguments are mktemp's. Python's mkstemp draws eight characters; so do the eight X's.
exec mktemp -p "${IN:-${TMPDIR:-/tmp}}" "$@"
