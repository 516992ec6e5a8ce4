#!/bin/bash
# snapshot_cost.sh [BUILD_DIR] [--files N] [--mib M] [--snapshots K] — what a snapshot and
# a fork cost on the embedded store (README, "Snapshots and forks"): fills one volume with
# N files (default 100,000) holding M MiB in all (default 1024; random bytes, so LevelDB's
# compression does not shrink them) through `volumectl put`, then takes K snapshots
# (default 3) and one fork, and prints for each the wall time of the command, how long
# the volume's writes waited (the quiesce), and the extra disk it took (du of the data
# directory, which counts a hard-linked table once). Then deletes the volume and prints
# what that freed while the snapshots hold its tables, and what deleting them frees.
# BUILD_DIR defaults to build/. Runs in private namespaces (bench_lib.sh); figures only.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=bench_lib.sh
source "$here/bench_lib.sh"

files=100000
mib=1024
snapshots=3
build="$repo/build"
args=("$@")
while (($#)); do
  case $1 in
    --files) files=$2; shift 2 ;;
    --mib) mib=$2; shift 2 ;;
    --snapshots) snapshots=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "snapshot_cost.sh: unknown option $1" >&2; exit 2 ;;
    *) build=$1; shift ;;
  esac
done

if [[ "${BENCH_INSIDE:-}" != 1 ]]; then
  for t in src/volumed tools/volumectl/volumectl; do
    [[ -x $build/$t ]] || {
      echo "snapshot_cost.sh: $build/$t missing (ninja -C $build $t)" >&2
      exit 1
    }
  done
  bench_enter "$0" "${args[@]}"
fi

# ---- inside the namespaces ----
bench_build=$(cd "$build" && pwd)
bench_setup volumed-snapshot-cost
data=$bench_work/data
tree=$bench_work/tree

now_ms() { date +%s%3N; }
disk_kib() { du -sk "$data/volumes" | cut -f1; }
json_field() { # KEY JSON → the number after "KEY":
  sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" <<<"$2"
}

echo "snapshot_cost: $files files, $mib MiB, in $tree"
/usr/bin/python3 - "$tree" "$files" "$mib" <<'EOF'
import os, sys
root, files, mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
size = mib * 1024 * 1024 // files
per_dir = 1000
for i in range(files):
    d = os.path.join(root, "d%03d" % (i // per_dir))
    if i % per_dir == 0:
        os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%06d" % i), "wb") as f:
        f.write(os.urandom(size))
EOF

bench_start_volumed "$data"
bench_volumectl create bench >/dev/null
start=$(now_ms)
VOLUMED_SERVER=127.0.0.1 bench_volumectl put -j 8 "$tree"/* bench:/ >/dev/null
echo "filled in $(( ($(now_ms) - start) / 1000 )) s; volume: $(disk_kib) KiB on disk"
rm -rf "$tree"

printf '%-10s %10s %12s %14s\n' "copy" "wall ms" "writes wait" "extra disk KiB"
for ((k = 1; k <= snapshots; k++)); do
  before=$(disk_kib)
  start=$(now_ms)
  out=$(bench_volumectl snapshot create bench "s$k" --json)
  wall=$(($(now_ms) - start))
  pause=$(json_field pause_ns "$out")
  printf '%-10s %10d %9.1f ms %14d\n' "snap s$k" "$wall" "$(awk -v p="$pause" 'BEGIN { print p / 1e6 }')" \
    "$(($(disk_kib) - before))"
done
before=$(disk_kib)
start=$(now_ms)
out=$(bench_volumectl fork bench benchfork --json)
wall=$(($(now_ms) - start))
pause=$(json_field pause_ns "$out")
printf '%-10s %10d %9.1f ms %14d\n' "fork" "$wall" "$(awk -v p="$pause" 'BEGIN { print p / 1e6 }')" \
  "$(($(disk_kib) - before))"
bench_volumectl info bench | grep '^space:' || true

before=$(disk_kib)
bench_volumectl delete benchfork --yes >/dev/null
bench_volumectl delete bench --yes >/dev/null
echo "deleting the volume and its fork freed $((before - $(disk_kib))) KiB" \
  "(the snapshots still hold the shared tables)"
before=$(disk_kib)
for ((k = 1; k <= snapshots; k++)); do
  bench_volumectl snapshot delete bench "s$k" --yes >/dev/null
done
echo "deleting the snapshots freed $((before - $(disk_kib))) KiB; left: $(disk_kib) KiB"
bench_stop "$bench_pid"
