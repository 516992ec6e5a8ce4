#!/bin/bash
# serve.sh [VOLUMED FLAGS…] — from a fresh Debian 12 clone to a running server: installs
# the build dependencies, builds volumed, starts rpcbind if none is running, and runs
# volumed in the foreground with a volume named "default" in /var/lib/volumed.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh build
[ -d build ] || meson setup build --buildtype=release -Dtests=false >/dev/null
ninja -C build src/volumed >/dev/null

if [ ! -S /run/rpcbind.sock ]; then
  echo "starting rpcbind"
  rpcbind
fi
mkdir -p /var/lib/volumed
exec build/src/volumed --data /var/lib/volumed --volume default "$@"
