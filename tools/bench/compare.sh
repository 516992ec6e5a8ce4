#!/usr/bin/env bash
# compare.sh: volumed and NFS-Ganesha (FSAL VFS, NFSv3) measured one after the other in
# the same run, on the same machine, with the same clients (nullbench, filebench), and
# reported side by side as ratios (DESIGN.md §10, layer 5).
#
#   tools/bench/compare.sh [BUILD_DIR]            (as root; BUILD_DIR default build-bench)
#
# Environment: NULLBENCH_ARGS (default "--seconds 5 --depths 1,16"),
#              FILEBENCH_ARGS (default: filebench's own defaults).
#
# Everything runs in a private network namespace (loopback only) with a private mount
# namespace (tmpfs on /run, so rpcbind's socket and volumed's admin socket never touch
# the host's) and a private PID namespace (if the script dies, the kernel kills whatever
# is left inside). Both servers serve on 127.0.0.1, NFS 2049 and MOUNT 20048, and store
# their files under one temporary directory in /var/tmp, so on the same file system.
# A figure, not a test: it fails only on errors, never on slowness.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

if [[ "${COMPARE_SH_INSIDE:-}" != 1 ]]; then
  # ---- outside: check prerequisites, then re-run this script inside the namespaces ----
  if [[ $(id -u) != 0 ]]; then
    echo "compare.sh: needs root (namespaces, rpcbind, ganesha)" >&2
    exit 1
  fi
  build=${1:-$repo/build-bench}
  build=$(cd "$build" && pwd)
  for t in src/volumed tools/bench/nullbench tools/bench/filebench; do
    if [[ ! -x $build/$t ]]; then
      echo "compare.sh: $build/$t missing; build it first:" >&2
      echo "  meson setup build-bench && ninja -C build-bench src/volumed" \
        "tools/bench/nullbench tools/bench/filebench" >&2
      exit 1
    fi
  done
  missing=()
  command -v ganesha.nfsd >/dev/null || missing+=(nfs-ganesha)
  dpkg -s nfs-ganesha-vfs >/dev/null 2>&1 || missing+=(nfs-ganesha-vfs)
  command -v rpcbind >/dev/null || missing+=(rpcbind)
  command -v ip >/dev/null || missing+=(iproute2)
  if ((${#missing[@]})); then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  fi
  # unshare ignores SIGINT/SIGTERM while it waits; the script inside traps them and
  # stops its servers by PID. --kill-child: the inside dies if unshare is killed.
  exec unshare --net --mount --propagation private --pid --fork --kill-child --mount-proc \
    env COMPARE_SH_INSIDE=1 COMPARE_SH_BUILD="$build" "$0"
fi

# ---- inside the namespaces ----
build=$COMPARE_SH_BUILD
nfs_port=2049
mount_port=20048
read -r -a null_args <<<"${NULLBENCH_ARGS:---seconds 5 --depths 1,16}"
read -r -a file_args <<<"${FILEBENCH_ARGS:-}"

pids=()
work=""
cleanup() {
  local p
  for p in "${pids[@]}"; do
    kill -TERM "$p" 2>/dev/null || true
  done
  for p in "${pids[@]}"; do
    wait "$p" 2>/dev/null || true
  done
  pids=()
  [[ -n $work ]] && rm -rf -- "$work"
  work=""
}
trap cleanup EXIT
trap 'echo "compare.sh: interrupted" >&2; exit 130' INT TERM

# Stops one server started by start(): SIGTERM, then SIGKILL after 10 s.
stop() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  local kept=()
  for p in "${pids[@]}"; do [[ $p != "$pid" ]] && kept+=("$p"); done
  pids=("${kept[@]}")
}

# Waits until MOUNT v3 and NFS v3 answer NULL over TCP via rpcbind (30 s at most).
wait_ready() {
  local pid=$1 name=$2 i
  for ((i = 0; i < 300; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "compare.sh: $name exited during start-up" >&2
      return 1
    fi
    if rpcinfo -T tcp 127.0.0.1 100005 3 >/dev/null 2>&1 &&
      rpcinfo -T tcp 127.0.0.1 100003 3 >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  echo "compare.sh: $name not ready after 30 s" >&2
  return 1
}

# Runs both clients against one server; writes "label<TAB>value<TAB>unit" lines to $2.
measure() {
  local url=$1 out=$2
  "$build/tools/bench/nullbench" "127.0.0.1:$nfs_port" "${null_args[@]}" | tee "$out.raw"
  "$build/tools/bench/filebench" "$url" "${file_args[@]}" | tee -a "$out.raw"
  # nullbench: "  16 in flight:  123456 calls/s  (mean ...)"
  # filebench: "LABEL: ... VALUE UNIT" (the figure is the last number and its unit)
  awk '/in flight:/ { printf "NULL, %s in flight\t%s\t%s\n", $1, $4, $5; next }
       /^[a-z].*: / { label = $0; sub(/:.*/, "", label)
                      printf "%s\t%s\t%s\n", label, $(NF-1), $NF }' "$out.raw" >"$out"
}

mount -t tmpfs -o mode=0755 tmpfs /run
ip link set lo up
work=$(mktemp -d /var/tmp/volumed-compare.XXXXXX)
mkdir -p "$work/volumed" "$work/export" "$work/ganesha-state" /run/rpcbind /run/volumed

rpcbind -f &
pids+=($!)
for ((i = 0; i < 100; i++)); do
  rpcinfo -p 127.0.0.1 >/dev/null 2>&1 && break
  sleep 0.1
done

echo "== volumed (data in $work/volumed)"
"$build/src/volumed" --data "$work/volumed" --volume bench --listen 127.0.0.1 \
  --nfs-port "$nfs_port" --mount-port "$mount_port" --admin-socket /run/volumed/admin.sock \
  --log-level warn 2>"$work/volumed.log" &
vpid=$!
pids+=("$vpid")
wait_ready "$vpid" volumed || { cat "$work/volumed.log" >&2; exit 1; }
measure "nfs://127.0.0.1/bench" "$work/volumed.txt"
stop "$vpid"

echo "== NFS-Ganesha $(dpkg-query -W -f='${Version}' nfs-ganesha) (FSAL VFS, export $work/export)"
plugins=$(dirname "$(dpkg -L nfs-ganesha-vfs | grep '/libfsalvfs\.so$' | head -1)")
sed -e "s|@NFS_PORT@|$nfs_port|" -e "s|@MOUNT_PORT@|$mount_port|" \
  -e "s|@PLUGINS_DIR@|$plugins|" -e "s|@STATE_DIR@|$work/ganesha-state|" \
  -e "s|@EXPORT_DIR@|$work/export|g" "$here/ganesha.conf.in" >"$work/ganesha.conf"
# Mappings volumed left behind (it unsets its own; this is for a crashed run).
for pv in "100003 3" "100005 3" "100005 1" "100021 4" "100024 1"; do
  rpcinfo -d $pv >/dev/null 2>&1 || true
done
ganesha.nfsd -F -f "$work/ganesha.conf" -L "$work/ganesha.log" -p /run/ganesha.pid \
  -N NIV_EVENT &
gpid=$!
pids+=("$gpid")
wait_ready "$gpid" ganesha || { cat "$work/ganesha.log" >&2; exit 1; }
measure "nfs://127.0.0.1$work/export" "$work/ganesha.txt"
stop "$gpid"

echo
echo "Same machine, same run, loopback in a private network namespace; ratio = volumed / ganesha"
echo "(every figure is a rate: above 1 means volumed is faster)."
echo
paste "$work/volumed.txt" <(cut -f 2 "$work/ganesha.txt") |
  awk -F'\t' 'BEGIN { printf "| %-42s | %17s | %17s | %6s |\n", "workload", "volumed", "ganesha", "ratio"
                      printf "|%s|%s|%s|%s|\n", "--------------------------------------------",
                             "-------------------", "-------------------", "--------" }
              { r = ($4 > 0) ? sprintf("%.2f", $2 / $4) : "-"
                printf "| %-42s | %17s | %17s | %6s |\n", $1, $2 " " $3, $4 " " $3, r }'
