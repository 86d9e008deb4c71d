# shellcheck shell=sh
# A check's probe: it only reads (src/modules/probe/mod.rs).
# Polls one condition ($CONDITION: path_present, path_absent, path_matches, port_open,
# port_closed, nothing) every $SLEEP seconds after $DELAY, until it holds (exit 0) or $TIMEOUT
# seconds have passed (exit 3); prints the whole seconds it took, as ansible-core counts them
# (by the nanosecond clock: a whole-second clock would count a tick as a second). Reads only:
# a file's presence or text, a TCP connection opened and closed.

# Whether $HOST:$PORT accepts a TCP connection, by the first of Perl, bash's /dev/tcp and nc the
# host has.
port_open() {
  if command -v perl >/dev/null 2>&1; then
    perl -MIO::Socket::INET -e 'exit(IO::Socket::INET->new(PeerAddr => $ARGV[0], PeerPort => $ARGV[1], Proto => "tcp", Timeout => 1) ? 0 : 1)' "$HOST" "$PORT"
  elif command -v bash >/dev/null 2>&1; then
    # shellcheck disable=SC2016 # $0 and $1 are bash's own, given after the script
    timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$HOST" "$PORT" 2>/dev/null
  else
    nc -z -w 1 "$HOST" "$PORT"
  fi
}

holds() {
  case $CONDITION in
    path_present) [ -e "$WAIT_PATH" ] ;;
    path_absent) [ ! -e "$WAIT_PATH" ] ;;
    path_matches) [ -r "$WAIT_PATH" ] && grep -qE -- "$SEARCH" "$WAIT_PATH" ;;
    port_open) port_open ;;
    port_closed) ! port_open ;;
    *) true ;;
  esac
}

start=$(date +%s%N)
took() { echo $(( ($(date +%s%N) - start) / 1000000000 )); }
sleep "$DELAY"
while :; do
  if holds; then took; exit 0; fi
  if [ "$(took)" -ge "$TIMEOUT" ]; then took; exit 3; fi
  sleep "$SLEEP"
done
