#!/bin/bash
# install_test.sh BUILDDIR BINDIR SYSCONFDIR UNITDIR — `meson install --destdir` puts
# volumed, volumectl, the systemd unit and the default config where the build's options
# say (all absolute paths under the prefix); the installed config is a valid config file
# (`volumed --print-config` reads it); the unit has the promised settings and passes
# `systemd-analyze verify` in a root made of the destdir plus this host's systemd units
# (so that its ExecStart and rpcbind.socket resolve as they would once installed).
set -euo pipefail
build=$1 bindir=$2 sysconfdir=$3 unitdir=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
fail() { echo "FAIL: $*" >&2; exit 1; }

meson install -C "$build" --destdir "$root" --no-rebuild --quiet >"$work/install.log" 2>&1 ||
  { cat "$work/install.log" >&2; fail "meson install --destdir failed"; }

for exe in volumed volumectl; do
  [ -x "$root$bindir/$exe" ] || fail "$bindir/$exe not installed"
done
unit=$unitdir/volumed.service
conf=$sysconfdir/volumed/volumed.conf
[ -f "$root$unit" ] || fail "$unit not installed"
[ -f "$root$conf" ] || fail "$conf not installed"
echo "installed: $bindir/volumed $bindir/volumectl $unit $conf"

# The default config parses, and says what the unit's directories are.
printed=$("$root$bindir/volumed" --config "$root$conf" --print-config) ||
  fail "volumed rejects the installed config"
grep -qx 'data="/var/lib/volumed"' <<<"$printed" || fail "config: data is not /var/lib/volumed"
grep -qx 'admin-socket="/run/volumed/admin.sock"' <<<"$printed" || fail "config: admin-socket"

# The unit's promised settings.
for line in "ExecStart=$bindir/volumed --config $conf" 'Restart=on-failure' \
  'Requires=rpcbind.socket' 'ProtectSystem=strict' 'StateDirectory=volumed' \
  'RuntimeDirectory=volumed'; do
  grep -qxF "$line" "$root$unit" || fail "unit lacks '$line'"
done
grep -qE '^After=.*\brpcbind\.service\b' "$root$unit" || fail "unit is not After=rpcbind.service"

if ! command -v systemd-analyze >/dev/null; then
  echo "systemd-analyze not installed (Debian package systemd); skipping verify" >&2
  exit 77
fi
mkdir -p "$root/lib/systemd"
cp -a /lib/systemd/system "$root/lib/systemd/" 2>/dev/null ||
  cp -a /usr/lib/systemd/system "$root/lib/systemd/"
if ! out=$(systemd-analyze verify --root="$root" "$unit" 2>&1); then
  echo "$out" >&2
  fail "systemd-analyze verify $unit"
fi
[ -z "$out" ] || { echo "$out" >&2; fail "systemd-analyze verify warned"; }
echo "systemd-analyze verify: ok"
