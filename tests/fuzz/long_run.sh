#!/bin/bash
# long_run.sh BUILD_DIR [SECONDS] — runs every fuzz target (the record/call fuzzer and the
# five program fuzzers) for SECONDS each (default 300), one after another (they are
# single-threaded; the machine may have few cores), through the same runners as the
# 'fuzz' test suite, and prints a Markdown table: executions, rate, corpus growth, peak
# RSS and findings (a crash, leak, timeout or sanitizer report ends a run with a failure;
# its input is kept as crash-*/leak-*/timeout-* in the current directory).
# Needs a build configured with -Dfuzz=true (ninja -C BUILD_DIR tests/fuzz/ builds them).
set -u
build=${1:?usage: long_run.sh BUILD_DIR [SECONDS]}
seconds=${2:-300}
here=$(cd "$(dirname "$0")" && pwd)
logs=$(mktemp -d)
echo "| target | seconds | executions | exec/s | new units | peak RSS (MB) | findings |"
echo "|---|---:|---:|---:|---:|---:|---|"
total=0
for target in rpc_fuzz fuzz_nfs3 fuzz_mount fuzz_nlm fuzz_nsm fuzz_admin; do
  binary=$build/tests/fuzz/$target
  runner=$here/run_program_fuzz.sh
  [ "$target" = rpc_fuzz ] && runner=$here/../rpc/run_fuzz.sh
  log=$logs/$target.log
  if "$runner" "$binary" "$seconds" >"$log" 2>&1; then
    findings=none
  else
    findings="FAILED: $(grep -m1 -E 'ERROR|runtime error|SUMMARY' "$log" | cut -c1-120)"
  fi
  stat() { grep -m1 "stat::$1:" "$log" | awk '{print $2}'; }
  execs=$(stat number_of_executed_units)
  total=$((total + ${execs:-0}))
  echo "| $target | $seconds | ${execs:-?} | $(stat average_exec_per_sec) |" \
    "$(stat new_units_added) | $(stat peak_rss_mb) | $findings |"
done
echo
echo "total executions: $total (logs in $logs)"
