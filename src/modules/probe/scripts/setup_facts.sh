# shellcheck shell=sh
# A check's probe: it only reads (src/modules/probe/mod.rs).
# `setup`'s facts: files under /etc, /proc and /sys, and `uname`, `hostname`, `getent`, `ip`
# show and route show, `stat -f`, `id`, `date`, `env`. Each section starts with a line `@@name`;
# every command may fail (a container without `ip`, a host without /sys), leaving its section
# empty.
s() { printf '\n@@%s\n' "$1"; }
s os-release; cat /etc/os-release 2>/dev/null
s debian_version; cat /etc/debian_version 2>/dev/null
s hostname; hostname 2>/dev/null || cat /proc/sys/kernel/hostname 2>/dev/null
s fqdn; getent hosts "$(getent ahosts "$(hostname)" 2>/dev/null | awk 'NR==1 {print $1}')" 2>/dev/null | head -n 1
s uname; read -r a </proc/sys/kernel/ostype; echo "$a"; read -r a </proc/sys/kernel/osrelease; echo "$a"; uname -m; read -r a </proc/sys/kernel/version; echo "$a"
s meminfo; cat /proc/meminfo 2>/dev/null
s cpuinfo; grep -E '^(processor|physical id|cpu cores)' /proc/cpuinfo 2>/dev/null
s route; ip -4 route show default 2>/dev/null
s addr; ip -4 -o addr show 2>/dev/null
s link; ip -o link show 2>/dev/null
s mounts; cat /proc/mounts 2>/dev/null
s statvfs; while read -r dev mnt rest; do case "$dev" in /*|*:/*) stat -f -c "%s %S %b %a %f %c %d $mnt" "$mnt" 2>/dev/null;; esac; done </proc/mounts
s devices; for d in /sys/block/*; do [ -r "$d/size" ] || continue; read -r n <"$d/size"; b=512; r=0; t=0; [ -r "$d/queue/logical_block_size" ] && read -r b <"$d/queue/logical_block_size"; [ -r "$d/removable" ] && read -r r <"$d/removable"; [ -r "$d/queue/rotational" ] && read -r t <"$d/queue/rotational"; echo "${d##*/} $n $b $r $t"; for p in "$d"/"${d##*/}"*; do [ -r "$p/size" ] || continue; read -r ps <"$p/size"; st=0; [ -r "$p/start" ] && read -r st <"$p/start"; echo "  ${p##*/} $ps $st"; done; done
s models; for d in /sys/block/*; do v=; m=; [ -r "$d/device/vendor" ] && read -r v <"$d/device/vendor"; [ -r "$d/device/model" ] && read -r m <"$d/device/model"; printf '%s\t%s\t%s\n' "${d##*/}" "$v" "$m"; done
s init; cat /proc/1/comm 2>/dev/null; [ -d /run/systemd/system ] && echo systemd
s pkg; for p in apt-get dnf yum zypper apk pacman; do command -v "$p" >/dev/null 2>&1 && echo "$p"; done
s id; id -un; id -u; id -g; getent passwd "$(id -un)" 2>/dev/null
s date; date '+%Y %m %d %H %M %S %s %Z %z %A %w %W %j %6N'; date -u '+%Y-%m-%dT%H:%M:%S.%6NZ'
s env; env
