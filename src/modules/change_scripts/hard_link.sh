#!/bin/sh
# Links $2 to $1's file ($3: -L to follow a symbolic link, -P not to), made beside $2 under a
# temporary name and renamed over what is there, so a reader never finds no file.
tmp="$(dirname -- "$2")/.$(basename -- "$2").numarun-hard-$$"
if ln "$3" -- "$1" "$tmp" && mv -f -- "$tmp" "$2"; then
    exit 0
fi
rm -f -- "$tmp"
exit 1
