#!/bin/bash
# with_ceph.sh CMD [ARGS...] [-- CMD [ARGS...]]... — starts a throw-away single-node Ceph
# cluster (ceph_cluster.sh: mon + OSD on memstore, 127.0.0.1 only), runs each command in
# turn with CEPH_CONF, CEPH_POOL and CEPH_USER (client.volumed: a gateway's caps, no admin
# caps) set, then stops the cluster by PID and removes it, also when a command fails or
# the run is interrupted. Exits with the first failing
# command's status; 77 (meson's "skipped") when the Ceph packages are not installed
# (tools/install-deps.sh test installs them). Run it inside netns_run.sh, so that Ceph's
# fixed ports cannot meet another cluster's. CEPH_STORE=bluestore-file picks BlueStore on
# a sparse file instead of memstore; CEPH_MGR=1 adds a mgr (~300 MiB), which Ceph needs to
# report pool usage and capacity.
set -u
here=$(cd "$(dirname "$0")" && pwd)
for tool in ceph-mon ceph-osd ceph-authtool monmaptool ceph rados uuidgen; do
  if ! command -v "$tool" >/dev/null; then
    echo "with_ceph: $tool is not installed (tools/install-deps.sh test); skipping" >&2
    exit 77
  fi
done
dir=$(mktemp -d -t volumed-ceph.XXXXXX)
rmdir "$dir"  # ceph_cluster.sh creates it
cleanup() { "$here/ceph_cluster.sh" down "$dir" kill >/dev/null 2>&1; }
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

t0=$(date +%s%N)
mgr=""
[ "${CEPH_MGR:-0}" = 1 ] && mgr=mgr
if ! "$here/ceph_cluster.sh" up "$dir" "${CEPH_STORE:-memstore}" $mgr >"$dir.up.log" 2>&1; then
  echo "with_ceph: the cluster did not start:" >&2
  tail -n 30 "$dir.up.log" >&2
  tail -n 30 "$dir"/log/*.log >&2 2>/dev/null
  rm -f "$dir.up.log"
  exit 1
fi
rm -f "$dir.up.log"
echo "with_ceph: cluster up in $((($(date +%s%N) - t0) / 1000000)) ms (${CEPH_STORE:-memstore})"
export CEPH_CONF="$dir/ceph.conf"
export CEPH_POOL=${CEPH_POOL:-volumed}
# The servers under test run as the gateway user without admin caps (ceph_cluster.sh).
export CEPH_USER=${CEPH_USER:-volumed}

rc=0
cmd=()
run() {
  [ ${#cmd[@]} -eq 0 ] && return
  "${cmd[@]}"
  local r=$?
  if [ $r -ne 0 ] && [ $rc -eq 0 ]; then rc=$r; fi
  cmd=()
}
for arg in "$@"; do
  if [ "$arg" = -- ]; then run; else cmd+=("$arg"); fi
done
run
exit $rc
