#!/bin/bash
# ceph_cluster.sh — a throw-away single-node Ceph cluster for tests and for developers:
# one mon and one OSD (and a mgr on request), all bound to 127.0.0.1 (or $CEPH_BIND_ADDR),
# all state under one directory, no systemd, no cephadm, no containers (shared/CEPH.md §1).
#
#   ceph_cluster.sh up DIR [memstore|bluestore-file] [mgr]
#       starts the cluster in DIR (which must not hold one), creates the pool
#       $CEPH_POOL (default "volumed"), and prints "export CEPH_CONF=DIR/ceph.conf".
#       The client keyring is DIR/keyring, named in ceph.conf: client.admin, and
#       client.volumed with only the caps a gateway needs.
#   ceph_cluster.sh down DIR [kill|keep]
#       stops the daemons by the PIDs in DIR/run (OSD first, so it need not wait for a
#       dead mon; "kill" = SIGKILL all at once, for throw-away clusters) and removes DIR
#       ("keep" leaves it).
#
# Environment: CEPH_BIND_ADDR (default 127.0.0.1): the IPv4 address every daemon binds,
# e.g. a test bridge's address so that clients in other network namespaces reach the
# cluster (tests/gateway/gateways.py); CEPH_PORT_BASE (mon on BASE and BASE+1, daemons
# on BASE+10..BASE+99, so that several clusters can coexist; default Ceph's ports
# 3300/6789/6800+),
# CEPH_FAST_PAXOS=0 keeps Ceph's 1 s paxos interval (the default here is 0.1 s, which cuts
# start-up from ~6 s to ~3 s: a test-only setting), CEPH_MEMSTORE_BYTES (default 1 GiB).
set -euo pipefail

usage() {
  sed -n '2,22p' "$0" >&2
  exit 2
}

up() {
  local dir store with_mgr
  dir=$(realpath -m "$1")
  store=${2:-memstore}
  with_mgr=0
  [ "${3:-}" = mgr ] && with_mgr=1
  local pool=${CEPH_POOL:-volumed}
  local base=${CEPH_PORT_BASE:-}
  local addr=${CEPH_BIND_ADDR:-127.0.0.1}
  local network=127.0.0.0/8
  [ "$addr" = 127.0.0.1 ] || network=$addr/32
  local monaddr portconf=""
  if [ -n "$base" ]; then
    monaddr="[v2:$addr:$base,v1:$addr:$((base + 1))]"
    portconf="ms_bind_port_min = $((base + 10))
        ms_bind_port_max = $((base + 99))"
  else
    monaddr="[v2:$addr:3300,v1:$addr:6789]"
  fi
  local paxos="paxos_propose_interval = 0.1"
  [ "${CEPH_FAST_PAXOS:-1}" = 0 ] && paxos=""
  local osdconf
  case "$store" in
    memstore) osdconf="osd_objectstore = memstore
        memstore_device_bytes = ${CEPH_MEMSTORE_BYTES:-1073741824}" ;;
    # The block file must live outside osd_data: BlueStore links osd_data/block to it.
    bluestore-file) osdconf="osd_objectstore = bluestore
        bluestore_block_path = $dir/osd.0.block
        bluestore_block_create = true
        bluestore_block_size = 10737418240
        osd_memory_target = 1073741824" ;;
    *) echo "ceph_cluster: unknown store '$store' (memstore, bluestore-file)" >&2; exit 2 ;;
  esac
  if [ -e "$dir/ceph.conf" ]; then
    echo "ceph_cluster: $dir already holds a cluster; run 'down' first" >&2
    exit 1
  fi
  # mon.a must not exist before --mkfs: mkfs silently does nothing in a non-empty dir.
  mkdir -p "$dir"/{osd.0,log,run}
  [ $with_mgr = 1 ] && mkdir -p "$dir/mgr.x"
  local fsid
  fsid=$(uuidgen)
  cat >"$dir/ceph.conf" <<CONF
[global]
        fsid = $fsid
        mon_host = $monaddr
        $portconf
        public_network = $network
        cluster_network = $network
        public_addr = $addr
        cluster_addr = $addr
        ms_bind_ipv4 = true
        ms_bind_ipv6 = false
        auth_cluster_required = cephx
        auth_service_required = cephx
        auth_client_required = cephx
        auth_allow_insecure_global_id_reclaim = false
        run_dir = $dir/run
        admin_socket = $dir/run/\$name.asok
        pid_file = $dir/run/\$name.pid
        log_file = $dir/log/\$name.log
        mon_cluster_log_file = $dir/log/cluster.log
        crash_dir = $dir/crash
        osd_pool_default_size = 1
        osd_pool_default_min_size = 1
        osd_pool_default_pg_num = 8
        osd_pool_default_pgp_num = 8
        osd_pool_default_pg_autoscale_mode = off
        osd_crush_chooseleaf_type = 0
        mon_allow_pool_size_one = true
        mon_allow_pool_delete = true
        mon_warn_on_pool_no_redundancy = false
        mon_max_pg_per_osd = 1000
        mon_data_avail_warn = 5
        mon_data_avail_crit = 1
[mon]
        mon_data = $dir/\$name
        $paxos
        keyring = $dir/\$name/keyring
[mgr]
        mgr_data = $dir/\$name
        keyring = $dir/\$name/keyring
[osd]
        osd_data = $dir/\$name
        keyring = $dir/\$name/keyring
        $osdconf
[client]
        keyring = $dir/keyring
        log_file = $dir/log/\$name.\$pid.log
        admin_socket = $dir/run/\$name.\$pid.asok
CONF
  local c=(-c "$dir/ceph.conf")
  ceph-authtool --create-keyring "$dir/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool --create-keyring "$dir/keyring" --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' --cap mds 'allow *' >/dev/null
  ceph-authtool "$dir/mon.keyring" --import-keyring "$dir/keyring" >/dev/null
  monmaptool --create --fsid "$fsid" --addv a "$monaddr" "$dir/monmap" >/dev/null
  ceph-mon "${c[@]}" -i a --mkfs --monmap "$dir/monmap" --keyring "$dir/mon.keyring"
  ceph-mon "${c[@]}" -i a
  ceph "${c[@]}" --connect-timeout 30 mon stat >/dev/null
  ceph "${c[@]}" config set mon mon_warn_on_insecure_global_id_reclaim_allowed false >/dev/null
  if [ $with_mgr = 1 ]; then
    ceph "${c[@]}" auth get-or-create mgr.x mon 'allow profile mgr' osd 'allow *' mds 'allow *' \
      -o "$dir/mgr.x/keyring"
    ceph-mgr "${c[@]}" -i x
  fi
  local osd_uuid osd_key id
  osd_uuid=$(uuidgen)
  osd_key=$(ceph-authtool --gen-print-key)
  echo "{\"cephx_secret\": \"$osd_key\"}" >"$dir/osd.0/new.json"
  id=$(ceph "${c[@]}" osd new "$osd_uuid" -i "$dir/osd.0/new.json")
  rm "$dir/osd.0/new.json"
  if [ "$id" != 0 ]; then
    echo "ceph_cluster: unexpected osd id $id" >&2
    exit 1
  fi
  ceph-osd "${c[@]}" -i 0 --mkfs --key "$osd_key" --osd-uuid "$osd_uuid" \
    >"$dir/log/osd.0.mkfs.log" 2>&1
  # --mkfs keeps the key inside the object store only; the daemon reads a keyring file.
  ceph-authtool --create-keyring "$dir/osd.0/keyring" -n osd.0 --add-key "$osd_key" >/dev/null
  ceph-osd "${c[@]}" -i 0
  # size/min_size come from the defaults above: each extra map change costs a paxos round.
  ceph "${c[@]}" osd pool create "$pool" 8 8 replicated >/dev/null 2>&1
  ceph "${c[@]}" osd pool application enable "$pool" rados >/dev/null 2>&1
  # Usable = a client can write and read an object (the OSD has joined and the PGs peered).
  echo probe | rados "${c[@]}" -p "$pool" put ceph_cluster.probe - &&
    rados "${c[@]}" -p "$pool" get ceph_cluster.probe - >/dev/null &&
    rados "${c[@]}" -p "$pool" rm ceph_cluster.probe
  # The gateway user: what volumed needs and nothing more (README, "Stores"): mon r (maps,
  # pool figures), the blocklist command (fencing a dead owner before a takeover), and
  # rwx on the pool (x: the lock class). Its key joins the client keyring.
  ceph "${c[@]}" auth get-or-create client.volumed mon 'allow r, allow command "osd blocklist"' \
    osd "allow rwx pool=$pool" >>"$dir/keyring"
  echo "export CEPH_CONF=$dir/ceph.conf"
}

# stop SIGNAL NAME...: signals the named daemons, waits up to 15 s each, then SIGKILL.
stop() {
  local dir=$1 sig=$2
  shift 2
  local pids=() n f p
  for n in "$@"; do
    f="$dir/run/$n.pid"
    [ -f "$f" ] || continue
    p=$(cat "$f")
    if kill -0 "$p" 2>/dev/null; then
      kill -"$sig" "$p"
      pids+=("$p")
    fi
  done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 150); do
      kill -0 "$p" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$p" 2>/dev/null; then
      echo "ceph_cluster: pid $p still running after 15 s, SIGKILL" >&2
      kill -KILL "$p"
    fi
  done
}

down() {
  local dir
  dir=$(realpath -m "$1")
  [ -d "$dir" ] || return 0
  if [ "${2:-}" = kill ]; then
    stop "$dir" KILL osd.0 mgr.x mon.a
  else
    stop "$dir" TERM osd.0
    stop "$dir" TERM mgr.x mon.a
  fi
  [ "${2:-}" = keep ] || rm -rf "$dir"
}

[ $# -ge 2 ] || usage
cmd=$1
shift
case "$cmd" in
  up) up "$@" ;;
  down) down "$@" ;;
  *) usage ;;
esac
