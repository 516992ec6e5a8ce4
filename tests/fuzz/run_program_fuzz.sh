#!/bin/bash
# run_program_fuzz.sh FUZZER SECONDS — runs one program's libFuzzer target for a bounded
# time. The seed corpus is written by the target itself (FUZZ_SEED_DIR, see
# program_harness.h) from real encoded calls, so nothing binary lives in the repository.
# Exits 77 (meson: skipped) only when FUZZER is "disabled": the build was not configured
# with -Dfuzz=true (tests/fuzz/meson.build builds the targets with clang, ASan and UBSan);
# any finding, and a leak at exit, is a failure.
set -eu
fuzzer=$1
seconds=$2
if [ "$fuzzer" = disabled ]; then
  echo "program fuzzers are off: configure with -Dfuzz=true (needs clang)"
  exit 77
fi
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
FUZZ_SEED_DIR=$corpus "$fuzzer" -runs=0 >/dev/null 2>&1 || true
echo "seeds: $(ls "$corpus" | wc -l)"
# -error_exitcode=1: libFuzzer's default for a finding is 77, which meson reads as
# "skipped", so a crash or leak would pass as a skip.
# -detect_leaks=0: no leak check between inputs, where the store's background threads
# (lease reaper, NSM sweep, idle sweeper) may be starting or stopping and LeakSanitizer
# sees their allocations half made; the exit-time check still runs, after the target's
# teardown has joined them (program_harness.h "Teardown").
"$fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 -print_final_stats=1 \
  -max_len=70000 -error_exitcode=1 -detect_leaks=0 "$corpus"
