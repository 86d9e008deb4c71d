# shellcheck shell=sh
# A check's probe: it only reads (src/modules/probe/mod.rs).
# Prints `NAME SIZE_BYTES ROTATIONAL` per block device, from sysfs (512-byte sectors).
for d in /sys/block/*; do
  [ -e "$d/size" ] || continue
  echo "${d##*/} $(( $(cat "$d/size") * 512 )) $(cat "$d/queue/rotational" 2>/dev/null || echo 0)"
done
