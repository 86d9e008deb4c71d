#!/bin/sh
# Makes $1 readable by its owner alone, then renames it to $2 (a cloud-init seed put in place).
chmod 600 "$1" && mv -f "$1" "$2"
