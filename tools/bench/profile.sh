#!/usr/bin/env bash
# profile.sh: where volumed spends its CPU under loadgen workloads. Starts a release
# volumed (one volume "bench", squash none) in private network, mount and PID namespaces
# as compare.sh does, and for each workload records `perf record -e cpu-clock
# --call-graph dwarf` of the server for the length of one loadgen run, then prints the
# result line, the server CPU per item and the top of `perf report --no-children` (self
# time by symbol), and keeps DIR/NAME.txt (self) and DIR/NAME.children.txt (inclusive).
#
#   tools/bench/profile.sh [--seconds 10] [--seq-mib 1024] [--out DIR] [--build DIR]
#       the data path: random 4 KiB reads and UNSTABLE writes at 1 in flight into a
#       64 MiB file, and a 1 MiB UNSTABLE write stream of --seq-mib (8 in flight)
#   tools/bench/profile.sh [--setup "LOADGEN ROW"] [--drop-caches] [--ephemeral] [--out DIR]
#                          [--build DIR] LOADGEN ROW
#       one workload given as loadgen arguments, after an unprofiled --setup row; e.g.
#       --setup "create --dir c --files 2000 --inflight 16" getattr --dir c --inflight 1;
#       --drop-caches: `sync; echo 3 > /proc/sys/vm/drop_caches` (the whole machine's page
#       cache, as compare.sh's cold read) between the setup and the profiled row;
#       --ephemeral: the volume is ephemeral (never synced; compare.sh's /eph row)
#
# PERF_EVENT=page-faults (any `perf record -e` event) samples that event instead of CPU
# time: where the server touches memory for the first time.
#
# As root; needs `perf` (linux-perf, installed by tools/install-deps.sh bench). DIR
# defaults to build-rel/profile, --build to build-rel. A figure, not a test.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=bench_lib.sh
source "$here/bench_lib.sh"

seconds=10
seq_mib=1024
setup=""
drop_caches=0
ephemeral=0
build="$repo/build-rel"
out=""
while (($#)); do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --seq-mib) seq_mib=$2; shift 2 ;;
    --setup) setup=$2; shift 2 ;;
    --drop-caches) drop_caches=1; shift ;;
    --ephemeral) ephemeral=1; shift ;;
    --out) out=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    -*) echo "profile.sh: unknown option $1 (--help)" >&2; exit 2 ;;
    *) break ;;
  esac
done

if [[ "${BENCH_INSIDE:-}" != 1 ]]; then
  build=$(cd "$build" && pwd)
  for t in src/volumed tools/volumectl/volumectl tools/bench/loadgen; do
    [[ -x $build/$t ]] || { echo "profile.sh: $build/$t missing (README, Benchmarks)" >&2; exit 1; }
  done
  "$repo/tools/install-deps.sh" bench
  out=${out:-$build/profile}
  mkdir -p "$out"
  out=$(cd "$out" && pwd)
  drop=()
  ((drop_caches)) && drop=(--drop-caches)
  ((ephemeral)) && drop+=(--ephemeral)
  bench_enter "$0" --seconds "$seconds" --seq-mib "$seq_mib" --setup "$setup" "${drop[@]}" \
    --out "$out" --build "$build" -- "$@"
fi

# ---- inside the namespaces ----
bench_build=$build
loadgen=$build/tools/bench/loadgen
bench_setup volumed-profile
# shellcheck disable=SC2046  # no word or two
bench_start_volumed "$bench_work/volumed" $(bench_volume_start_args "$ephemeral")
pid=$bench_pid
bench_volume_ready "$ephemeral"

lg() { "$loadgen" "$@" --export /bench --nfs-port "$bench_nfs_port" --mount-port "$bench_mount_port"; }

# profile NAME LOADGEN ARGS...: perf of the server for the length of one loadgen run.
profile() {
  local name=$1 before after line items
  shift
  perf record -q -e "${PERF_EVENT:-cpu-clock}" --call-graph dwarf,16384 -p "$pid" -o "$out/$name.data" 2>/dev/null &
  local perf_pid=$!
  sleep 0.5
  before=$(bench_cpu_ticks "$pid")
  line=$(lg "$@")
  after=$(bench_cpu_ticks "$pid")
  kill -INT "$perf_pid"
  wait "$perf_pid" || true
  echo "== $name: $line"
  items=$(sed -n 's/.* items=\([0-9]*\).*/\1/p' <<<"$line")
  local cpu_us=$(((after - before) * 1000000 / $(getconf CLK_TCK)))
  if [[ -n $items && $items -gt 0 ]]; then
    echo "volumed CPU: $((cpu_us / 1000)) ms, $((cpu_us / items)) µs per item"
  fi
  perf report -i "$out/$name.data" --no-children --stdio --percent-limit 0.7 -g none \
    2>/dev/null | grep -v -e '^$' -e '^#' | head -40 >"$out/$name.txt" || true
  perf report -i "$out/$name.data" --children --stdio --percent-limit 2 -g none \
    2>/dev/null | grep -v -e '^$' -e '^#' | head -60 >"$out/$name.children.txt" || true
  sed 's/ *$//' "$out/$name.txt" | cut -c1-150 | head -25
  echo "  → $out/$name.txt, $out/$name.children.txt"
}

if (($#)); then
  # shellcheck disable=SC2086  # setup is a word list
  [[ -n $setup ]] && lg $setup >/dev/null
  if ((drop_caches)); then
    sync
    echo 3 >/proc/sys/vm/drop_caches
  fi
  profile "$1" "$@"
else
  # The random-I/O file exists before the read is profiled.
  lg randwrite --stable unstable --file-mib 64 --inflight 16 --seconds 2 >/dev/null
  profile randread1 randread --file-mib 64 --inflight 1 --seconds "$seconds"
  profile randwrite1 randwrite --stable unstable --file-mib 64 --inflight 1 --seconds "$seconds"
  profile seqwrite seqwrite --seq-mib "$seq_mib" --inflight 8
fi
bench_stop "$pid"
