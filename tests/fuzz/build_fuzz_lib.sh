#!/bin/bash
# build_fuzz_lib.sh OUT.a DEPFILE OBJDIR JOBS CXX [FLAGS...] -- SOURCES...
# Compiles each source once with the fuzzers' instrumentation (FLAGS: ASan, UBSan,
# -fsanitize=fuzzer-no-link, includes), JOBS at a time, into OBJDIR, and archives the
# objects into OUT.a, which every fuzz target links. An object is recompiled only when
# its source or a header it includes changed since it was built (its own .d file says
# which) or the compiler flags changed; DEPFILE collects all the .d files for ninja, so a
# header change reruns this script.
set -eu
out=$1 depfile=$2 objdir=$3 jobs=$4 cxx=$5
shift 5
flags=()
while [ "$1" != -- ]; do
  flags+=("$1")
  shift
done
shift
mkdir -p "$objdir"

# One object per source, named after its path so that equal basenames differ.
object_of() {
  local rel=$1
  while [ "${rel#../}" != "$rel" ]; do rel=${rel#../}; done
  rel=${rel//\//_}
  echo "$objdir/${rel%.*}.o"
}

# Whether obj is missing or older than its source or a header its .d file names.
stale() {
  local obj=$1 dep=${1%.o}.d f
  [ -f "$obj" ] && [ -f "$dep" ] || return 0
  for f in $(sed -e 's/^[^:]*://' -e 's/\\$//' "$dep"); do
    [ "$f" -nt "$obj" ] && return 0
  done
  return 1
}

# Other compiler or flags: every object is stale.
flags_sum=$(printf '%s\n' "$cxx" "${flags[@]}" | md5sum | cut -d' ' -f1)
if [ "$(cat "$objdir/flags.sum" 2>/dev/null)" != "$flags_sum" ]; then
  rm -f "$objdir"/*.o "$objdir/flags.sum"
fi

objects=()
todo=()
for src in "$@"; do
  obj=$(object_of "$src")
  objects+=("$obj")
  if stale "$obj"; then todo+=("$src"); fi
done

# At most JOBS compilers at once.
failed=0
running=0
for src in "${todo[@]}"; do
  obj=$(object_of "$src")
  "$cxx" "${flags[@]}" -MD -MF "${obj%.o}.d" -c "$src" -o "$obj" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
done
while [ "$running" -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
if [ "$failed" -ne 0 ]; then
  echo "build_fuzz_lib.sh: compilation failed" >&2
  exit 1
fi

echo "$flags_sum" >"$objdir/flags.sum"

rm -f "$out.tmp"
ar rcs "$out.tmp" "${objects[@]}"
mv "$out.tmp" "$out"

deps=$(for obj in "${objects[@]}"; do
  sed -e 's/^[^:]*://' -e 's/\\$//' "${obj%.o}.d"
done | tr -s ' ' '\n' | sed '/^$/d' | sort -u)
{
  printf '%s:' "$out"
  for f in $deps; do printf ' \\\n %s' "$f"; done
  echo
} >"$depfile"
