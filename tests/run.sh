#!/bin/bash
# run.sh [--fast] [MESON TEST ARGS…] — installs what the tests need, builds, runs the suite
# and ends with one line "N passed, N failed[, N skipped]". Exit status is non-zero when
# any test failed. --fast runs only the unit and protocol layers (no VMs, no fuzzing).
set -uo pipefail
cd "$(dirname "$0")/.."

suites=()
purposes=(test vm)
builddir=build-test
setup_args=(-Dfuzz=true)
# The full run uses the issue's full sizes for the big-directory and big-file cases.
export VOLUMED_TEST_DIR_ENTRIES=100000 VOLUMED_TEST_FILE_MB=1024
if [ "${1:-}" = "--fast" ]; then
  shift
  suites=(--suite unit --suite protocol)
  purposes=(test)
  builddir=build-fast
  setup_args=()
  unset VOLUMED_TEST_DIR_ENTRIES VOLUMED_TEST_FILE_MB
fi

tools/install-deps.sh "${purposes[@]}" || { echo "0 passed, 1 failed"; exit 1; }

if [ ! -f "$builddir/build.ninja" ]; then
  rm -rf "$builddir" # what a setup that failed half way left
  if ! out=$(meson setup "$builddir" "${setup_args[@]}" 2>&1); then
    printf '%s\n' "$out" | tail -n 30
    echo "0 passed, 1 failed"
    exit 1
  fi
fi
if ! ninja -C "$builddir"; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

meson test -C "$builddir" --print-errorlogs --num-processes 2 "${suites[@]}" "$@"
meson_rc=$?
/usr/bin/python3 tests/summarize.py "$builddir/meson-logs"
summary_rc=$?
[ $meson_rc -ne 0 ] && exit $meson_rc
exit $summary_rc
