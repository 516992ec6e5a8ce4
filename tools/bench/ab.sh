#!/usr/bin/env bash
# ab.sh: two (or more) volumed builds against each other under the same loadgen rows, in
# alternating rounds (A, B, A, B, …), each on a fresh data directory, in private network,
# mount and PID namespaces on loopback (bench_lib.sh). For a change to the server itself,
# before it goes into compare.sh's table against NFS-Ganesha. Prints one line per row and
# round: the loadgen line and the server's CPU for it (server_cpu_ms, utime + stime) and
# its minor page faults (server_minflt: first touches of memory, costly in a virtual
# machine).
#
#   tools/bench/ab.sh [--rounds 2] [--ephemeral] VOLUMED_A VOLUMED_B [VOLUMED_C …] \
#       "LOADGEN ROW" […]
#   e.g. tools/bench/ab.sh /tmp/volumed.before build-rel/src/volumed \
#          "create --dir c --files 2000 --inflight 16" "unlink --dir c --files 2000 --inflight 16"
# The builds are the leading arguments that are executable files (a wrapper script that
# sets an environment variable counts), named A, B, C, … in the output. A row that starts
# with "@cold " runs after `sync; echo 3 > /proc/sys/vm/drop_caches`, as in compare.sh (the
# whole machine's page cache): e.g. "seqwrite --seq-mib 512" then "@cold seqread --seq-mib
# 512" reads the file back from the disk. --ephemeral: the volume is ephemeral (never
# synced; compare.sh's /eph row) instead of persisted.
#
# As root; loadgen and volumectl come from build-rel (BUILD_DIR to change it). A figure,
# not a test.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=bench_lib.sh
source "$here/bench_lib.sh"

rounds=2
ephemeral=0
while (($#)); do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --ephemeral) ephemeral=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) break ;;
  esac
done
(($#)) || { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0; }
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "ab.sh: --rounds N (N ≥ 1)" >&2; exit 2; }

# The leading arguments that are executable files go to `bins`; `taken` says how many.
take_builds() {
  bins=()
  while (($#)) && [[ -f $1 && -x $1 ]]; do
    bins+=("$(realpath "$1")")
    shift
  done
  taken=${#bins[@]}
}

if [[ "${BENCH_INSIDE:-}" != 1 ]]; then
  take_builds "$@"
  shift "$taken"
  ((${#bins[@]} >= 2 && $# >= 1)) || {
    echo "ab.sh: at least two volumed binaries, then the loadgen rows (--help)" >&2
    exit 2
  }
  export BUILD_DIR=${BUILD_DIR:-$repo/build-rel}
  "$repo/tools/install-deps.sh" bench
  eph=()
  ((ephemeral)) && eph=(--ephemeral)
  bench_enter "$0" --rounds "$rounds" "${eph[@]}" "${bins[@]}" "$@"
fi

# ---- inside the namespaces ----
take_builds "$@"
shift "$taken"
names=(A B C D E F G H)
bench_build=$BUILD_DIR
loadgen=$bench_build/tools/bench/loadgen
bench_setup volumed-ab
for ((r = 1; r <= rounds; r++)); do
  for ((i = 0; i < ${#bins[@]}; i++)); do
    which=${names[i]:-X$i} bin=${bins[i]}
    data=$bench_work/volumed
    mkdir -p "$data"
    # shellcheck disable=SC2046  # no word or two
    "$bin" --data "$data" --listen 127.0.0.1 --nfs-port "$bench_nfs_port" \
      --mount-port "$bench_mount_port" --admin-socket "$bench_admin_socket" --log-level warn \
      $(bench_volume_start_args "$ephemeral") 2>>"$data.log" &
    pid=$!
    bench_pids+=("$pid")
    bench_wait_ready "$pid" "volumed $which" || { cat "$data.log" >&2; exit 1; }
    bench_volume_ready "$ephemeral"
    for row in "$@"; do
      if [[ $row == @cold* ]]; then
        row=${row#@cold }
        sync
        echo 3 >/proc/sys/vm/drop_caches
      fi
      before=$(bench_cpu_ticks "$pid") faults=$(bench_minflt "$pid")
      # shellcheck disable=SC2086  # row is a word list
      line=$("$loadgen" $row --export /bench --nfs-port "$bench_nfs_port" \
        --mount-port "$bench_mount_port")
      after=$(bench_cpu_ticks "$pid")
      # The server's own CPU for the row: readable when other load makes rates swing.
      echo "$which round $r: $line server_cpu_ms=$(((after - before) * 1000 / $(getconf CLK_TCK)))" \
        "server_minflt=$(($(bench_minflt "$pid") - faults))"
    done
    bench_stop "$pid"
    rm -rf -- "$data" "$data.log"
  done
done
