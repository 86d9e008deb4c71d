# shellcheck shell=sh
# A check's probe: it only reads (src/modules/probe/mod.rs).
# Prints the host's clock, then for each folder in "$@" one NUL-terminated record per entry
# (type, mode, ids, size, inode, device, links, times, names, depth, path), or a `skip` line.
date +%s.%N
for p in "$@"; do
  if [ ! -d "$p" ]; then printf 'skip\t%s\0' "$p"; continue; fi
  # shellcheck disable=SC2086 # $FOLLOW is -L or nothing
  find $FOLLOW "$p" -mindepth 1 ${MAXDEPTH:+-maxdepth "$MAXDEPTH"} \
    -printf '%y\t%m\t%U\t%G\t%s\t%i\t%D\t%n\t%A@\t%T@\t%C@\t%u\t%g\t%d\t%p\0' 2>/dev/null
done
