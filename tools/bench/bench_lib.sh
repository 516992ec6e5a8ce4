# bench_lib.sh: what compare.sh and scale.sh share, sourced by both (not run on its own).
#
# bench_enter SCRIPT ARGS...   outside: as root, re-runs SCRIPT inside a private network
#                              namespace (loopback only), a private mount namespace (tmpfs
#                              on /run, so rpcbind's socket and volumed's admin socket never
#                              touch the host's) and a private PID namespace (if the script
#                              dies, the kernel kills whatever is left inside). Inside,
#                              BENCH_INSIDE=1 and the same ARGS.
# bench_setup PREFIX           inside: loopback up, /run private, a work directory
#                              $bench_work under /var/tmp (the servers' data file system),
#                              rpcbind started.
# bench_start_volumed DATA [ARGS...]   starts volumed ($bench_volumed if set, else the
#                              build's) on 127.0.0.1 (NFS 2049, MOUNT 20048, admin socket
#                              /run/volumed/admin.sock); sets bench_pid.
# bench_stop PID               SIGTERM, SIGKILL after 10 s; forgets the PID.
# bench_cpu_ticks PID          utime + stime of PID in clock ticks.
# bench_minflt PID             minor page faults of PID so far (first touches of memory).
# bench_volume_start_args EPH  volumed's arguments for the volume "bench" (ab.sh, profile.sh):
#                              `--volume bench`, or none when EPH is 1 (made later).
# bench_volume_ready EPH       once volumed answers: "bench" gets squash none; with EPH=1 it
#                              is first created as an ephemeral volume (1 h lease), as
#                              compare.sh's /eph row does.
# Every process started here is recorded in bench_pids and stopped by PID on exit.
# Figures, not tests: nothing here fails on slowness.

bench_nfs_port=2049
bench_mount_port=20048
bench_admin_socket=/run/volumed/admin.sock
bench_pids=()
bench_work=""

bench_enter() {
  local script=$1
  shift
  if [[ $(id -u) != 0 ]]; then
    echo "$(basename "$script"): needs root (namespaces, rpcbind, drop_caches)" >&2
    exit 1
  fi
  # unshare ignores SIGINT/SIGTERM while it waits; the script inside traps them and
  # stops its servers by PID. --kill-child: the inside dies if unshare is killed.
  exec unshare --net --mount --propagation private --pid --fork --kill-child --mount-proc \
    env BENCH_INSIDE=1 "$script" "$@"
}

# Stops what is left, newest first (servers before the rpcbind they unregister from).
bench_cleanup() {
  local i
  for ((i = ${#bench_pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${bench_pids[i]}" 2>/dev/null || true
    wait "${bench_pids[i]}" 2>/dev/null || true
  done
  bench_pids=()
  [[ -n $bench_work ]] && rm -rf -- "$bench_work"
  bench_work=""
}

bench_setup() {
  local prefix=$1 i
  trap bench_cleanup EXIT
  trap 'echo "interrupted" >&2; exit 130' INT TERM
  mount -t tmpfs -o mode=0755 tmpfs /run
  ip link set lo up
  bench_work=$(mktemp -d "/var/tmp/$prefix.XXXXXX")
  mkdir -p /run/rpcbind /run/volumed
  rpcbind -f &
  bench_pids+=($!)
  for ((i = 0; i < 100; i++)); do
    rpcinfo -p 127.0.0.1 >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "rpcbind did not start" >&2
  return 1
}

bench_stop() {
  local pid=$1 i p kept=()
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for p in "${bench_pids[@]}"; do [[ $p != "$pid" ]] && kept+=("$p"); done
  bench_pids=("${kept[@]}")
}

# Waits until MOUNT v3 and NFS v3 answer NULL over TCP via rpcbind (30 s at most).
bench_wait_ready() {
  local pid=$1 name=$2 i
  for ((i = 0; i < 300; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$name exited during start-up" >&2
      return 1
    fi
    if rpcinfo -T tcp 127.0.0.1 100005 3 >/dev/null 2>&1 &&
      rpcinfo -T tcp 127.0.0.1 100003 3 >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  echo "$name not ready after 30 s" >&2
  return 1
}

bench_start_volumed() {
  local data=$1
  shift
  mkdir -p "$data"
  "${bench_volumed:-$bench_build/src/volumed}" --data "$data" --listen 127.0.0.1 \
    --nfs-port "$bench_nfs_port" \
    --mount-port "$bench_mount_port" --admin-socket "$bench_admin_socket" --log-level warn \
    "$@" 2>>"$data.log" &
  bench_pid=$!
  bench_pids+=("$bench_pid")
  bench_wait_ready "$bench_pid" volumed || {
    cat "$data.log" >&2
    return 1
  }
}

bench_volumectl() {
  "$bench_build/tools/volumectl/volumectl" --admin-socket "$bench_admin_socket" "$@"
}

bench_cpu_ticks() {
  # Fields 14 and 15 of /proc/PID/stat (after the parenthesised command name).
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

bench_minflt() {
  # Field 10 of /proc/PID/stat.
  awk '{ sub(/^.*\) /, ""); print $8 }' "/proc/$1/stat"
}

bench_status_field() { # PID FIELD → the number of "FIELD:" in /proc/PID/status
  awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

bench_volume_start_args() {
  [[ $1 == 1 ]] || echo --volume bench
}

bench_volume_ready() {
  if [[ $1 == 1 ]]; then
    bench_volumectl create bench --ephemeral --ttl 1h --squash none >/dev/null
  else
    bench_volumectl policy bench --squash none >/dev/null
  fi
}
