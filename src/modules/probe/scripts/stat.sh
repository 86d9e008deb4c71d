# shellcheck shell=sh
# A check's probe: it only reads (src/modules/probe/mod.rs).
# Prints `key=value` lines for the path in $1: its stat fields, what the connection's user may
# do with it, where a link points, its checksum, its type by `file` and its ext2 attributes by
# `lsattr`. Nothing at the path prints `exists=0` alone.
p=$1
if [ ! -e "$p" ] && [ ! -L "$p" ]; then echo exists=0; exit 0; fi
# shellcheck disable=SC2086 # $STAT_FOLLOW is -L or nothing
stat $STAT_FOLLOW -c 'mode=%f
uid=%u
gid=%g
size=%s
inode=%i
dev=%d
nlink=%h
atime=%.9X
mtime=%.9Y
ctime=%.9Z
pw_name=%U
gr_name=%G
blocks=%b
block_size=%o
device_type=%r' -- "$p" || exit 1
[ -r "$p" ] && echo readable=1
[ -w "$p" ] && echo writeable=1
[ -x "$p" ] && echo executable=1
if [ -L "$p" ]; then echo "lnk_target=$(readlink -- "$p")"; echo "lnk_source=$(realpath -- "$p")"; fi
if [ -n "$DIGEST" ] && [ -r "$p" ] && { [ -n "$STAT_FOLLOW" ] || [ ! -L "$p" ]; } && [ -f "$p" ]; then
  echo "checksum=$($DIGEST < "$p" | cut -d' ' -f1)"
fi
if [ -n "$MIME" ]; then
  if command -v file >/dev/null 2>&1; then echo "mime=$(file --mime-type --mime-encoding -- "$p")"; else echo mime=; fi
fi
if [ -n "$ATTRS" ] && command -v lsattr >/dev/null 2>&1; then echo "lsattr=$(lsattr -vd -- "$p" 2>/dev/null)"; fi
