# shellcheck shell=sh
# A check's probe: it only reads (src/modules/probe/mod.rs).
# Prints one line per NUMA node (`node ID CPULIST MEMTOTAL_KIB`) and per CPU
# (`cpu ID SOCKET CORE SIBLINGS`) under $1, the sysfs root (/sys on a real host).
cd "$1/devices/system" || exit 3
if [ -d node/node0 ]; then
  for n in node/node[0-9]*; do
    echo "node ${n##*node} $(cat "$n/cpulist") $(awk '/MemTotal/ { print $4 }' "$n/meminfo")"
  done
else
  echo "node 0 $(cat cpu/online) $(awk '/MemTotal/ { print $2 }' /proc/meminfo)"
fi
for c in cpu/cpu[0-9]*; do
  [ -d "$c/topology" ] || continue
  echo "cpu ${c##*cpu} $(cat "$c/topology/physical_package_id") $(cat "$c/topology/core_id") $(cat "$c/topology/thread_siblings_list")"
done
