#!/bin/bash
# metrics_overhead.sh [--rounds N] [--seconds S] [--base-volumed PATH] [BUILD] — what the
# metrics cost per call: NULL calls/s of volumed (BUILD, default ./build) without --http
# (plain), with --http and nobody reading it (http), with --http while /metrics is scraped
# every second by curl (scraped: far more often than Prometheus' usual 15 s), and — with
# --base-volumed — of another volumed binary (base: e.g. one built before the metrics
# existed), in alternating rounds of the same run, each at
# 1 call in flight (latency-bound) and 4 clients x 16 in flight (throughput-bound).
# Prints one line per round and variant, then the median of each. Needs root (it runs in
# private namespaces, see bench_lib.sh) and loadgen; figures, not a test.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
source "$repo/tools/bench/bench_lib.sh"

rounds=3 seconds=5 base="" build=$repo/build
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --base-volumed) base=$(realpath "$2"); shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "metrics_overhead.sh: unknown option $1" >&2; exit 2 ;;
    *) build=$(cd "$1" && pwd); shift ;;
  esac
done

if [[ "${BENCH_INSIDE:-}" != 1 ]]; then
  for t in src/volumed tools/bench/loadgen; do
    [[ -x $build/$t ]] || { echo "metrics_overhead.sh: build $build/$t first" >&2; exit 1; }
  done
  command -v curl >/dev/null || { echo "metrics_overhead.sh: needs curl" >&2; exit 1; }
  bench_enter "$0" --rounds "$rounds" --seconds "$seconds" ${base:+--base-volumed "$base"} "$build"
fi

# ---- inside the namespaces ----
bench_build=$build
bench_setup volumed-metrics
loadgen=$build/tools/bench/loadgen
variants=(plain http scraped)
[[ -n $base ]] && variants+=(base)
declare -A results

run_variant() { # VARIANT ROUND
  local variant=$1 round=$2 data=$bench_work/$1-$2 scraper="" args=(--volume bench) line
  bench_volumed=""
  case $variant in
    http | scraped) args+=(--http 127.0.0.1:9049) ;;
    base) bench_volumed=$base ;;
  esac
  bench_start_volumed "$data" "${args[@]}"
  if [[ $variant == scraped ]]; then
    (while sleep 1; do curl -s -o /dev/null http://127.0.0.1:9049/metrics; done) &
    scraper=$!
    bench_pids+=("$scraper")
  fi
  for shape in "1 1" "4 16"; do
    set -- $shape
    line=$("$loadgen" null --clients "$1" --inflight "$2" --seconds "$seconds" --export /bench)
    echo "round=$round variant=$variant clients=$1 inflight=$2 $line"
    results[$variant,$1x$2]+="$(sed -E 's/.* rate=([0-9.]+).*/\1/' <<<"$line") "
  done
  [[ -n $scraper ]] && bench_stop "$scraper"
  bench_stop "$bench_pid"
}

for ((r = 1; r <= rounds; r++)); do
  for v in "${variants[@]}"; do run_variant "$v" "$r"; done
done
echo
echo "median NULL calls/s over $rounds rounds of ${seconds} s:"
for shape in 1x1 4x16; do
  for v in "${variants[@]}"; do
    median=$(tr ' ' '\n' <<<"${results[$v,$shape]}" | sed '/^$/d' | sort -n |
      awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    echo "  $shape in flight  $v: $median"
  done
done
