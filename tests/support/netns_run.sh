#!/bin/bash
# netns_run.sh CMD ARGS... — runs CMD in a fresh network namespace (loopback only, up)
# with a private tmpfs on /run and its own rpcbind, so protocol tests can use the fixed
# ports (2049, 111, …) without touching the host or each other. Propagates CMD's exit
# status; exits 77 (meson's "skipped") when namespaces cannot be created (not root).
set -u

if [ "${VOLUMED_NETNS_INNER:-}" != 1 ]; then
  if [ "$#" -eq 0 ]; then
    echo "usage: $0 CMD [ARGS...]" >&2
    exit 2
  fi
  if ! unshare --net --mount --propagation private true 2>/dev/null; then
    echo "netns_run: cannot create namespaces (needs root and unshare); skipping" >&2
    exit 77
  fi
  exec unshare --net --mount --propagation private \
    env VOLUMED_NETNS_INNER=1 "$0" "$@"
fi

ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up || {
  echo "netns_run: cannot bring loopback up" >&2
  exit 1
}
mount -t tmpfs -o mode=0755 tmpfs /run || {
  echo "netns_run: cannot mount a private /run" >&2
  exit 1
}

RPCBIND=$(command -v rpcbind || echo /usr/sbin/rpcbind)
if [ ! -x "$RPCBIND" ]; then
  echo "netns_run: rpcbind is not installed (apt-get install rpcbind)" >&2
  exit 1
fi
"$RPCBIND" -f &
rpcbind_pid=$!
cleanup() {
  kill "$rpcbind_pid" 2>/dev/null
  wait "$rpcbind_pid" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

for _ in $(seq 1 100); do
  [ -S /run/rpcbind.sock ] && break
  sleep 0.05
done
if [ ! -S /run/rpcbind.sock ]; then
  echo "netns_run: rpcbind did not start" >&2
  exit 1
fi

"$@"
exit $?
