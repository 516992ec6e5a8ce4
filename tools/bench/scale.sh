#!/usr/bin/env bash
# scale.sh: volumed's memory and scale figures (issue 13, "memory and scale"):
#   1. many files in one directory of one volume, made by 16 clients (1 call in flight
#      each): the create rate in that directory once it holds ~N entries against the rate
#      in a second directory of ~10,000 entries of the same volume at the same time
#      (alternating batches, medians of 3: what the directory's size costs), and against
#      the rate early on, at 10,000 entries in a nearly empty volume (before LevelDB had
#      anything to compact: what the store's growth costs on top); the server's RSS
#      (VmRSS, peak VmHWM), threads and descriptors once it holds them all;
#   2. many volumes (each made with volumectl, then touched once through NFS: MNT, create,
#      4 KiB FILE_SYNC write, read back): threads (/proc/PID/status Threads), descriptors
#      (/proc/PID/fd), RSS right after and after --idle seconds (default 75: volumed's
#      --volume-idle-close of 60 s and one 10 s sweep, so every volume has closed), the
#      time to touch one of them again (MNT + create + write + read), and the time and
#      RSS of a restart.
#
#   tools/bench/scale.sh [--full] [--files N] [--volumes M] [--file-kib K] [--idle S]
#                        [BUILD_DIR]
#
# As root. BUILD_DIR defaults to build-rel. Defaults: 100,000 files and 1,000 volumes
# (a few minutes); --full: 1,000,000 files and 10,000 volumes (the issue's sizes; the
# file part alone takes N / create rate). --file-kib (default 0): bytes written into each
# file of part 1 (empty files by default, so the figure is about the namespace).
# Runs in private namespaces (bench_lib.sh); stops volumed by PID. Prints figures; never
# fails on slowness, only on errors.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=bench_lib.sh
source "$here/bench_lib.sh"

files=100000
volumes=1000
file_kib=0
idle=75
build="$repo/build-rel"
args=("$@")
while (($#)); do
  case $1 in
    --full) files=1000000 volumes=10000; shift ;;
    --files) files=$2; shift 2 ;;
    --volumes) volumes=$2; shift 2 ;;
    --file-kib) file_kib=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "scale.sh: unknown option $1" >&2; exit 2 ;;
    *) build=$1; shift ;;
  esac
done
batch=20000  # files per measured create batch (under a second each at 16 clients)
rounds=3    # alternating batches in the big and the small directory
if ((files < 10000 + (rounds + 1) * batch)); then
  echo "scale.sh: --files must be at least $((10000 + (rounds + 1) * batch))" >&2
  exit 2
fi

if [[ "${BENCH_INSIDE:-}" != 1 ]]; then
  for t in src/volumed tools/volumectl/volumectl tools/bench/loadgen; do
    [[ -x $build/$t ]] || {
      echo "scale.sh: $build/$t missing (ninja -C $build $t)" >&2
      exit 1
    }
  done
  "$repo/tools/install-deps.sh" bench
  bench_enter "$0" "${args[@]}"
fi

# ---- inside the namespaces ----
bench_build=$(cd "$build" && pwd)
loadgen=$bench_build/tools/bench/loadgen
bench_setup volumed-scale

field() { # KEY LINE → the value of KEY=… in a result line
  local w
  for w in $2; do [[ $w == "$1="* ]] && { echo "${w#*=}"; return; }; done
}
process_figures() { # PID → "RSS … MiB, peak … MiB, N threads, N fds"
  local pid=$1
  printf 'RSS %d MiB (peak %d MiB), %d threads, %d fds' \
    "$(($(bench_status_field "$pid" VmRSS) / 1024))" \
    "$(($(bench_status_field "$pid" VmHWM) / 1024))" \
    "$(bench_status_field "$pid" Threads)" "$(find "/proc/$pid/fd" -mindepth 1 | wc -l)"
}
# create DIR FIRST COUNT → the result line of 16 clients creating f<FIRST>… in /big/DIR
create() {
  "$loadgen" create --export /big --dir "$1" --first "$2" --files "$3" --clients 16 \
    --inflight 1 --file-kib "$file_kib"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "== 1. $files files in one directory of one volume, 16 clients"
bench_start_volumed "$bench_work/files" --volume big
pid=$bench_pid
bench_volumectl policy big --squash none >/dev/null
echo "idle server: $(process_figures "$pid")"
create d 0 10000 >/dev/null
first=$(create d 10000 "$batch")
big_from=$((files - rounds * batch))
fill="rate=–"
if ((big_from > 10000 + batch)); then
  fill=$(create d $((10000 + batch)) $((big_from - 10000 - batch)))
fi
create e 0 10000 >/dev/null
big_rates=() small_rates=()
for ((r = 0; r < rounds; r++)); do
  big_rates+=("$(field rate "$(create d $((big_from + r * batch)) "$batch")")")
  small_rates+=("$(field rate "$(create e $((10000 + r * batch)) "$batch")")")
done
rb=$(printf '%s\n' "${big_rates[@]}" | median)
rs=$(printf '%s\n' "${small_rates[@]}" | median)
r0=$(field rate "$first")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "early, at 10,000 entries in a nearly empty volume: $r0 files/s" \
  "(p99 $(field p99_us "$first") µs);" \
  "filling up to $big_from: $(field rate "$fill") files/s"
echo "then, alternating ($rounds rounds of $batch, medians): a directory of $big_from+" \
  "entries $rb files/s (${big_rates[*]}), one of 10,000+ entries $rs files/s" \
  "(${small_rates[*]})"
echo "ratio, same volume at the same time: $(ratio "$rb" "$rs");" \
  "against the early rate: $(ratio "$rb" "$r0")"
echo "holding $((files + 10000 + rounds * batch)) files: $(process_figures "$pid")"
bench_stop "$pid"
rm -rf -- "$bench_work/files"

echo
echo "== 2. $volumes volumes, each made with volumectl and touched once through NFS"
bench_start_volumed "$bench_work/volumes"
pid=$bench_pid
echo "idle server: $(process_figures "$pid")"
start=$(date +%s.%N)
seq 0 $((volumes - 1)) | xargs -P 4 -I{} \
  "$bench_build/tools/volumectl/volumectl" --admin-socket "$bench_admin_socket" \
  create "v{}" --squash none >/dev/null
echo "made $volumes volumes in $(awk -v s="$start" -v e="$(date +%s.%N)" \
  'BEGIN { printf "%.1f", e - s }') s: $(process_figures "$pid")"
touched=$("$loadgen" touch --volume-prefix v --first 0 --count "$volumes" --clients 4 \
  --inflight 4)
echo "touched each once ($(field rate "$touched") volumes/s): $(process_figures "$pid")"
sleep "$idle"
echo "after $idle s idle: $(process_figures "$pid")"
one=$("$loadgen" touch --volume-prefix v --first $((volumes / 2)) --count 1)
echo "touch v$((volumes / 2)) again (MNT + create + 4 KiB FILE_SYNC write + read):" \
  "$(awk -v us="$(field p50_us "$one")" 'BEGIN { printf "%.1f", us / 1000 }') ms"
bench_stop "$pid"
start=$(date +%s.%N)
bench_start_volumed "$bench_work/volumes"
pid=$bench_pid
echo "restart with $volumes volumes: ready in $(awk -v s="$start" -v e="$(date +%s.%N)" \
  'BEGIN { printf "%.2f", e - s }') s; $(process_figures "$pid")"
bench_stop "$pid"
