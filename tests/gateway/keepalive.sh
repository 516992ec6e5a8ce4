#!/bin/bash
# keepalive.sh PIDFILE CMD [ARGS...] — the part keepalived (or a systemd ExecStopPost=)
# plays on a gateway machine in the test network (gateways.py): runs CMD (volumed), writes
# its PID to PIDFILE, waits for it to exit — cleanly, by kill -9, or fenced — and then
# removes every service address a gateway added on this machine: those labelled
# INTERFACE:vd (src/gateway/interface_addresses.h). Logs each address it removed, and
# exits with CMD's status (128+signal when a signal ended it).
#
# Run it inside the machine's network namespace. A SIGTERM or SIGINT to the wrapper is
# passed on to CMD, and the cleanup still runs.
set -u
if [ $# -lt 2 ]; then
  echo "usage: $0 PIDFILE CMD [ARGS...]" >&2
  exit 2
fi
pidfile=$1
shift
"$@" &
pid=$!
echo "$pid" >"$pidfile"
trap 'kill -TERM "$pid" 2>/dev/null' TERM INT
# `wait` returns early when a trapped signal arrives; wait again until CMD is gone.
while :; do
  wait "$pid"
  rc=$?
  kill -0 "$pid" 2>/dev/null || break
done
rm -f "$pidfile"
echo "keepalive: process $pid exited with status $rc"
ip -o -4 addr show label '*:vd' | while read -r _ dev _ addr _; do
  if ip addr del "$addr" dev "$dev"; then
    echo "keepalive: removed service address $addr from $dev"
  else
    echo "keepalive: could not remove service address $addr from $dev" >&2
  fi
done
exit "$rc"
