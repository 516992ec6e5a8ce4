#!/bin/bash
# tools/bench/profile.sh [--seconds S] [--out DIR] [BUILD_DIR] — where volumed's CPU goes on
# the data path: starts volumed (release build) on loopback in private namespaces (as
# compare.sh), and for each workload below records `perf record -e cpu-clock` of the
# server (DWARF call chains: the release build keeps no frame pointers) while
# tools/bench/loadgen drives it, then writes the top of `perf report --no-children`
# (self time) to DIR/WORKLOAD.txt and of `perf report --children` (time including
# callees: which of our functions the cost sits under) to DIR/WORKLOAD.children.txt.
# Workloads: random 4 KiB read and UNSTABLE write at 1 in flight into a 64 MiB file, a
# sequential stream of 1 MiB UNSTABLE writes (--seq-mib, default 1024; 8 in flight).
# Figures, not tests. As root; needs Debian's linux-perf.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=tools/bench/bench_lib.sh
source "$here/bench_lib.sh"

seconds=10
out=$repo/build-rel/profile
build="$repo/build-rel"
seq_mib=1024
while (($#)); do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --seq-mib) seq_mib=$2; shift 2 ;;
    -h | --help) sed -n '2,11p' "$0"; exit 0 ;;
    *) build=$1; shift ;;
  esac
done

if [[ "${BENCH_INSIDE:-}" != 1 ]]; then
  build=$(cd "$build" && pwd)
  mkdir -p "$out"
  out=$(cd "$out" && pwd)
  command -v perf >/dev/null || { echo "profile.sh: perf missing (apt-get install linux-perf)" >&2; exit 1; }
  bench_enter "$0" --seconds "$seconds" --seq-mib "$seq_mib" --out "$out" "$build"
fi

bench_build=$build
loadgen=$build/tools/bench/loadgen
bench_setup volumed-profile
data=$bench_work/volumed
bench_start_volumed "$data" --volume bench
pid=$bench_pid
bench_volumectl policy bench --squash none >/dev/null

lg() { "$loadgen" "$@" --export /bench --nfs-port "$bench_nfs_port" --mount-port "$bench_mount_port"; }

# profile NAME LOADGEN-ARGS...: perf of the server for the length of one loadgen run.
profile() {
  local name=$1
  shift
  perf record -q -e cpu-clock --call-graph dwarf,16384 -p "$pid" -o "$out/$name.data" &
  local perf_pid=$!
  sleep 0.5
  lg "$@" | tee "$out/$name.result"
  kill -INT "$perf_pid"
  wait "$perf_pid" || true
  perf report -i "$out/$name.data" --no-children --stdio --percent-limit 0.7 -g none \
    2>/dev/null | grep -v -e '^$' -e '^#' | head -40 >"$out/$name.txt" || true
  perf report -i "$out/$name.data" --children --stdio --percent-limit 2 -g none \
    2>/dev/null | grep -v -e '^$' -e '^#' | head -60 >"$out/$name.children.txt" || true
  echo "  → $out/$name.txt"
}

# The random-I/O file exists before the read is profiled.
lg randwrite --stable unstable --file-mib 64 --inflight 16 --seconds 2 >/dev/null
profile randread1 randread --file-mib 64 --inflight 1 --seconds "$seconds"
profile randwrite1 randwrite --stable unstable --file-mib 64 --inflight 1 --seconds "$seconds"
profile seqwrite seqwrite --seq-mib "$seq_mib" --inflight 8
bench_stop "$pid"
