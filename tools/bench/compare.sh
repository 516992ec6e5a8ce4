#!/usr/bin/env bash
# compare.sh: volumed and NFS-Ganesha 4.3 (FSAL VFS, NFSv3) measured side by side in the
# same run, on the same machine, with the same load generator (loadgen), in alternating
# rounds (volumed, ganesha, volumed, ganesha, …), and reported as a Markdown table of
# medians and ratios volumed/ganesha, with the machine's own limits measured in the same
# rounds (loopback TCP round trips and bandwidth: netbench; fdatasync of a 4 KiB write to
# a growing vs a pre-sized file, and from 16 threads at once, on the servers' data file
# system: syncbench; a file not in the page cache read as the cold-read row reads, buffered
# and O_DIRECT: diskbench).
# DESIGN.md §10, layer 5; issues 12 and 13.
#
#   tools/bench/compare.sh [--rounds 3] [--size quick|full] [--awake] [--out FILE] [BUILD_DIR]
#
# As root. BUILD_DIR defaults to build-rel (meson setup build-rel --buildtype=release).
# --size quick (default, ~6 min for 3 rounds) or full (~30 min: the sizes of the issues:
# 10,000 files, 256 MiB random-I/O file, 1 GiB streams, 10 s per timed row). Single sizes
# can be overridden: BENCH_SECONDS, BENCH_FILES, BENCH_FILES_1 (create at 1 in flight),
# BENCH_RAND_MIB, BENCH_SEQ_MIB. --out keeps every raw result line (TSV);
# tools/bench/bench_table.py FILE prints the tables from it again.
#
# Each round starts each server on a fresh data directory under one temporary directory in
# /var/tmp, so both store on the same file system; volumed serves volume "bench" (squash
# none, like Ganesha's No_Root_Squash export). The cold sequential read drops the kernel's
# caches first (sync; echo 3 > /proc/sys/vm/drop_caches: this affects the whole machine).
# Server CPU per item comes from /proc/PID/stat around each row (10 ms ticks).
# --awake: a SCHED_IDLE busy loop on each CPU for the whole run, so no vCPU ever halts
# (it runs only when nothing else wants the CPU): the rows at 1 in flight then measure
# the servers rather than a virtual machine waking a halted vCPU (storage/TUNING.md,
# "Proof: with vCPUs that never halt"); server CPU figures are unchanged by it.
# Everything runs in private network, mount and PID namespaces (bench_lib.sh); every
# server is stopped by PID. A figure, not a test: it fails only on errors.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=bench_lib.sh
source "$here/bench_lib.sh"

rounds=3
size=quick
awake=0
out=""
build="$repo/build-rel"
while (($#)); do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --out) out=$(realpath -m "$2"); shift 2 ;;
    --awake) awake=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
    *) build=$1; shift ;;
  esac
done
case $size in
  quick) d_seconds=2 d_files=2000 d_files1=500 d_rand=64 d_seq=256 ;;
  full) d_seconds=10 d_files=10000 d_files1=2000 d_rand=256 d_seq=1024 ;;
  *) echo "compare.sh: --size quick or full" >&2; exit 2 ;;
esac
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: --rounds N (N ≥ 1)" >&2; exit 2; }

if [[ "${BENCH_INSIDE:-}" != 1 ]]; then
  build=$(cd "$build" && pwd)
  for t in src/volumed tools/volumectl/volumectl tools/bench/loadgen tools/bench/netbench \
    tools/bench/syncbench tools/bench/diskbench; do
    if [[ ! -x $build/$t ]]; then
      echo "compare.sh: $build/$t missing; build it first:" >&2
      echo "  meson setup build-rel --buildtype=release && ninja -C build-rel src/volumed" \
        "tools/volumectl/volumectl tools/bench/loadgen tools/bench/netbench" \
        "tools/bench/syncbench tools/bench/diskbench" >&2
      exit 1
    fi
  done
  "$repo/tools/install-deps.sh" bench
  extra=()
  ((awake)) && extra+=(--awake)
  bench_enter "$0" --rounds "$rounds" --size "$size" ${out:+--out "$out"} "${extra[@]}" "$build"
fi

# ---- inside the namespaces ----
bench_build=$build
T=${BENCH_SECONDS:-$d_seconds}
N=${BENCH_FILES:-$d_files}
N1=${BENCH_FILES_1:-$d_files1}
RAND=${BENCH_RAND_MIB:-$d_rand}
SEQ=${BENCH_SEQ_MIB:-$d_seq}
SEQ4=$(((SEQ + 3) / 4))
loadgen=$build/tools/bench/loadgen

# key | label | loadgen arguments ("@cold" first: drop the caches before the row).
rows=(
  "null1|NULL, 1 in flight|null --inflight 1 --seconds $T"
  "null16|NULL, 16 in flight|null --inflight 16 --seconds $T"
  "create1|create + 4 KiB FILE_SYNC write, 1 in flight ($N1 files)|create --dir c1 --files $N1 --inflight 1"
  "create16|create + 4 KiB FILE_SYNC write, 16 in flight ($N files)|create --dir c16 --files $N --inflight 16"
  "rdp1|READDIRPLUS of $N entries, first pass|readdirplus --dir c16"
  "rdp2|READDIRPLUS of $N entries, second pass|readdirplus --dir c16"
  "getattr1|GETATTR, 1 in flight|getattr --dir c16 --inflight 1 --seconds $T"
  "getattr16|GETATTR, 16 in flight|getattr --dir c16 --inflight 16 --seconds $T"
  "lookup16|LOOKUP, 16 in flight|lookup --dir c16 --files $N --inflight 16 --seconds $T"
  "unlink16|unlink of those files, 16 in flight|unlink --dir c16 --files $N --inflight 16"
  "create4c|create + 4 KiB FILE_SYNC write, 4 clients × 16 in flight ($N files)|create --dir c4 --files $N --clients 4 --inflight 16"
  "unlink4c|unlink of those files, 4 clients × 16 in flight|unlink --dir c4 --files $N --clients 4 --inflight 16"
  "rws1|random 4 KiB FILE_SYNC write, $RAND MiB file, 1 in flight|randwrite --file-mib $RAND --inflight 1 --seconds $T"
  "rws16|random 4 KiB FILE_SYNC write, $RAND MiB file, 16 in flight|randwrite --file-mib $RAND --inflight 16 --seconds $T"
  "rwu1|random 4 KiB UNSTABLE write (+ COMMIT), 1 in flight|randwrite --stable unstable --file-mib $RAND --inflight 1 --seconds $T"
  "rwu16|random 4 KiB UNSTABLE write (+ COMMIT), 16 in flight|randwrite --stable unstable --file-mib $RAND --inflight 16 --seconds $T"
  "rr1|random 4 KiB read, 1 in flight|randread --file-mib $RAND --inflight 1 --seconds $T"
  "rr16|random 4 KiB read, 16 in flight|randread --file-mib $RAND --inflight 16 --seconds $T"
  "sw1|sequential write $SEQ MiB, 1 MiB UNSTABLE ×8 + COMMIT|seqwrite --seq-mib $SEQ --inflight 8"
  "srcold|sequential read $SEQ MiB, caches dropped, 1 MiB ×8|@cold seqread --inflight 8"
  "srwarm|sequential read $SEQ MiB, warm, 1 MiB ×8|seqread --inflight 8"
  "sw4|sequential write, 4 clients × $SEQ4 MiB, 1 MiB UNSTABLE ×8 + COMMIT|seqwrite --file seq4 --clients 4 --seq-mib $SEQ4 --inflight 8"
)
ephemeral_row="eph16|ephemeral volume: create + 4 KiB write, 16 in flight ($N files; ganesha: persisted)|create --dir c16 --files $N --inflight 16"

bench_setup volumed-compare
if ((awake)); then
  for ((cpu = 0; cpu < $(nproc); cpu++)); do
    taskset -c "$cpu" chrt -i 0 bash -c 'while :; do :; done' &
    bench_pids+=("$!")
  done
fi
results=$bench_work/results.tsv
for row in "${rows[@]}" "$ephemeral_row"; do
  IFS='|' read -r key label _ <<<"$row"
  printf 'label\t%s\t%s\n' "$key" "$label"
done >"$results"

# record SERVER ROUND KEY LINE CPU_TICKS: one TSV line (server, round, key, then the
# result line's fields as key=value, then the server's CPU µs per item).
record() {
  local server=$1 round=$2 key=$3 line=$4 ticks=$5 hz
  hz=$(getconf CLK_TCK)
  printf '%s\t%s\t%s\t%s\tserver_cpu_us=%s\n' "$server" "$round" "$key" "$line" \
    "$((ticks * 1000000 / hz))" >>"$results"
}

# run_row SERVER ROUND PID EXPORT ROW
run_row() {
  local server=$1 round=$2 pid=$3 export=$4 row=$5 key label args before after line
  IFS='|' read -r key label args <<<"$row"
  if [[ $args == @cold* ]]; then
    args=${args#@cold }
    sync
    echo 3 >/proc/sys/vm/drop_caches
  fi
  before=$(bench_cpu_ticks "$pid")
  # shellcheck disable=SC2086  # args is a word list
  line=$("$loadgen" $args --export "$export" --nfs-port "$bench_nfs_port" \
    --mount-port "$bench_mount_port") || {
    echo "compare.sh: $server: $key failed: loadgen $args" >&2
    return 1
  }
  after=$(bench_cpu_ticks "$pid")
  printf '  %-9s %s\n' "$key" "$line"
  record "$server" "$round" "$key" "$line" "$((after - before))"
}

run_volumed() {
  local round=$1 data=$bench_work/volumed row
  echo "== round $round: volumed"
  bench_start_volumed "$data" --volume bench
  local pid=$bench_pid
  bench_volumectl policy bench --squash none >/dev/null
  for row in "${rows[@]}"; do
    run_row volumed "$round" "$pid" /bench "$row"
    # The ephemeral row is compared with Ganesha's create16, so it runs where that one
    # does: before the streams, whose compactions would still run beside it
    # (storage/TUNING.md, "Light calls on the reactor").
    if [[ $row == create16\|* ]]; then
      bench_volumectl create eph --ephemeral --ttl 1h --squash none >/dev/null
      run_row volumed "$round" "$pid" /eph "$ephemeral_row"
    fi
  done
  bench_stop "$pid"
  rm -rf -- "$data" "$data.log"
}

run_ganesha() {
  local round=$1 export=$bench_work/export state=$bench_work/ganesha-state row plugins pv
  echo "== round $round: NFS-Ganesha $(dpkg-query -W -f='${Version}' nfs-ganesha) (FSAL VFS)"
  mkdir -p "$export" "$state"
  plugins=$(dirname "$(dpkg -L nfs-ganesha-vfs | grep '/libfsalvfs\.so$' | head -1)")
  sed -e "s|@NFS_PORT@|$bench_nfs_port|" -e "s|@MOUNT_PORT@|$bench_mount_port|" \
    -e "s|@PLUGINS_DIR@|$plugins|" -e "s|@STATE_DIR@|$state|" \
    -e "s|@EXPORT_DIR@|$export|g" "$here/ganesha.conf.in" >"$bench_work/ganesha.conf"
  # Mappings a crashed volumed may have left (it unsets its own on a clean stop).
  for pv in "100003 3" "100005 3" "100005 1" "100021 4" "100024 1"; do
    rpcinfo -d $pv >/dev/null 2>&1 || true
  done
  ganesha.nfsd -F -f "$bench_work/ganesha.conf" -L "$bench_work/ganesha.log" \
    -p /run/ganesha.pid -N NIV_EVENT &
  local pid=$!
  bench_pids+=("$pid")
  bench_wait_ready "$pid" ganesha || {
    cat "$bench_work/ganesha.log" >&2
    return 1
  }
  for row in "${rows[@]}"; do run_row ganesha "$round" "$pid" "$export" "$row"; done
  bench_stop "$pid"
  rm -rf -- "$export" "$state" "$bench_work/ganesha.log"
}

run_limits() {
  local round=$1 line mode
  echo "== round $round: machine limits"
  line=$("$build/tools/bench/netbench" rtt --seconds 2)
  printf '  %-9s %s\n' tcp_rtt "$line"
  record machine "$round" tcp_rtt "$line" 0
  line=$("$build/tools/bench/netbench" bw --seconds 2)
  printf '  %-9s %s\n' tcp_bw "$line"
  record machine "$round" tcp_bw "$line" 0
  for mode in append overwrite fallocated; do
    line=$("$build/tools/bench/syncbench" "$mode" --dir "$bench_work" --seconds 2)
    printf '  %-9s %s\n' "fds_$mode" "$line"
    record machine "$round" "fdatasync_$mode" "$line" 0
  done
  line=$("$build/tools/bench/syncbench" append --threads 16 --dir "$bench_work" --seconds 2)
  printf '  %-9s %s\n' fds_ap16 "$line"
  record machine "$round" fdatasync_append16 "$line" 0
  # The cold-read row's ceiling: the same size, pieces and reads in flight, from the disk.
  line=$("$build/tools/bench/diskbench" --dir "$bench_work" --mib "$SEQ" --threads 8)
  printf '  %-9s %s\n' disk_read "$line"
  record machine "$round" disk_read "$line" 0
  line=$("$build/tools/bench/diskbench" --dir "$bench_work" --mib "$SEQ" --threads 8 --direct)
  printf '  %-9s %s\n' disk_dio "$line"
  record machine "$round" disk_read_direct "$line" 0
}

echo "compare.sh: $rounds rounds, size $size (timed rows ${T}s, $N files, ${RAND} MiB random file," \
  "${SEQ} MiB streams); data in $bench_work ($(findmnt -n -o FSTYPE -T "$bench_work"))" \
  "$( ((awake)) && echo "; vCPUs kept awake (--awake)")"
for ((r = 1; r <= rounds; r++)); do
  run_volumed "$r"
  run_ganesha "$r"
  run_limits "$r"
done
[[ -n $out ]] && cp "$results" "$out"

echo
echo "### volumed vs NFS-Ganesha $(dpkg-query -W -f='${Version}' nfs-ganesha), $(date -u +%Y-%m-%d)," \
  "$(nproc) cores, $(findmnt -n -o FSTYPE -T /var/tmp) on $(findmnt -n -o SOURCE -T /var/tmp)"
echo
/usr/bin/python3 "$here/bench_table.py" "$results"
