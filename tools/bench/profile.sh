#!/usr/bin/env bash
# profile.sh: where volumed spends its CPU under one loadgen workload. Starts volumed (one
# volume "bench", squash none) in private network, mount and PID namespaces as compare.sh
# does, runs `loadgen SETUP...` first when --setup is given (not profiled), then records
# `perf record -e cpu-clock -g` on volumed for the whole profiled workload and prints the
# top of `perf report --no-children` (self time by symbol), the workload's result line,
# and volumed's CPU per item. A figure, not a test.
#
#   tools/bench/profile.sh [--setup "LOADGEN ARGS"] [--top N] [--out DIR] [--build DIR] \
#       LOADGEN ARGS...
#   e.g. tools/bench/profile.sh --setup "create --dir c --files 2000 --inflight 16" \
#       getattr --dir c --inflight 1 --seconds 5
#
# As root; needs `perf` (linux-perf, installed by tools/install-deps.sh bench) and a
# release build (default build-rel). --out keeps perf.data and the full report.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=bench_lib.sh
source "$here/bench_lib.sh"

setup=""
top=25
out=""
build="$repo/build-rel"
while (($#)); do
  case $1 in
    --setup) setup=$2; shift 2 ;;
    --top) top=$2; shift 2 ;;
    --out) out=$(realpath -m "$2"); shift 2 ;;
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) break ;;
  esac
done
(($#)) || { echo "profile.sh: give the loadgen workload to profile (--help)" >&2; exit 2; }

if [[ "${BENCH_INSIDE:-}" != 1 ]]; then
  for t in src/volumed tools/volumectl/volumectl tools/bench/loadgen; do
    [[ -x $build/$t ]] || { echo "profile.sh: $build/$t missing (see README Benchmarks)" >&2; exit 1; }
  done
  "$repo/tools/install-deps.sh" bench
  bench_enter "$0" --setup "$setup" --top "$top" ${out:+--out "$out"} --build "$build" "$@"
fi

# ---- inside the namespaces ----
bench_build=$build
loadgen=$build/tools/bench/loadgen
bench_setup volumed-profile
bench_start_volumed "$bench_work/volumed" --volume bench
pid=$bench_pid
bench_volumectl policy bench --squash none >/dev/null
if [[ -n $setup ]]; then
  # shellcheck disable=SC2086  # setup is a word list
  "$loadgen" $setup --export /bench >/dev/null
fi

data=${out:-$bench_work}/perf.data
[[ -n $out ]] && mkdir -p "$out"
perf record -q -e cpu-clock -g -p "$pid" -o "$data" 2>/dev/null &
perf_pid=$!
sleep 0.5
before=$(bench_cpu_ticks "$pid")
line=$("$loadgen" "$@" --export /bench)
after=$(bench_cpu_ticks "$pid")
kill -INT "$perf_pid"
wait "$perf_pid" 2>/dev/null || true

items=$(sed -n 's/.* items=\([0-9]*\).*/\1/p' <<<"$line")
echo "$line"
if [[ -n $items && $items -gt 0 ]]; then
  echo "volumed CPU: $(((after - before) * 1000000 / $(getconf CLK_TCK) / items)) µs per item"
fi
echo
report() { perf report -i "$data" --no-children --sort symbol --stdio "$@" 2>/dev/null; }
[[ -n $out ]] && report >"$out/report.txt"
report -g none --percent-limit 0.5 | grep -v '^#' | grep -v '^$' | head -n "$top"
