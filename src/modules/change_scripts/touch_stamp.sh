#!/bin/sh
# Touches the file $1, making its folder first (apt's update stamp after `apt-get update`).
mkdir -p "${1%/*}" && touch "$1"
