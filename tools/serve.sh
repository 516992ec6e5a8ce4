#!/bin/bash
# serve.sh [VOLUMED FLAGS…] — from a fresh Debian 12 clone to a running server: installs
# the build dependencies, builds volumed and volumectl (build/tools/volumectl/volumectl),
# starts rpcbind if none is running, and runs volumed in the foreground with a volume
# named "default" in /var/lib/volumed. Run again, it installs and rebuilds nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh build
if [ ! -f build/build.ninja ]; then
  rm -rf build # what a setup that failed half way left
  # The project's default build type (debugoptimized: -O2, asserts on) is the one the
  # test suite builds and passes. Not release: at -O3 GCC 12 reports a false
  # -Wstringop-overflow inside std::vector::insert (src/rpc/wire.h), and warnings are errors.
  echo "configuring build/ (no tests)"
  if ! out=$(meson setup build -Dtests=false 2>&1); then
    printf '%s\n' "$out" | tail -n 30 >&2
    exit 1
  fi
fi
echo "building volumed and volumectl (a few minutes the first time)"
ninja -C build --quiet src/volumed tools/volumectl/volumectl

if [ ! -S /run/rpcbind.sock ]; then
  echo "starting rpcbind"
  rpcbind
fi
mkdir -p /var/lib/volumed
exec build/src/volumed --data /var/lib/volumed --volume default "$@"
