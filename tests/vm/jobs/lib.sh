# Helpers for guest job scripts (POSIX sh), sourced as `. "$VMT_LIB"`.
# The harness exports VMT_HOSTNAME, VMT_INDEX (1-based), VMT_GUESTS, VMT_SERVER,
# VMT_VOLUMES, VMT_SHARED (9p directory shared by all guests and the host), VMT_SRC,
# VMT_BUILD and VMT_WORK (host paths, visible read-only at the same place in the guest),
# VMT_MOUNT_OPTS (extra mount options from the harness's --mount-opts).
set -eu

step() { echo "== $VMT_HOSTNAME: $* ($(date +%T))"; }
fail() {
  echo "FAIL on $VMT_HOSTNAME: $*"
  exit 1
}

# vmt_mount VOLUME DIR [EXTRA_OPTIONS [SERVER]] — mounts a volume the way users do, from
# SERVER (default $VMT_SERVER).
vmt_mount() {
  mkdir -p "$2"
  opts="vers=3,proto=tcp,mountproto=tcp${3:+,$3}${VMT_MOUNT_OPTS:+,$VMT_MOUNT_OPTS}"
  server=${4:-$VMT_SERVER}
  mount -t nfs -o "$opts" "$server:/$1" "$2" || fail "mount -t nfs -o $opts $server:/$1"
}

# vmt_signal NAME — tells the other guests and the host that NAME happened.
vmt_signal() {
  date +%s.%N >"$VMT_SHARED/$1.tmp"
  mv "$VMT_SHARED/$1.tmp" "$VMT_SHARED/$1"
}

# vmt_wait NAME [SECONDS] — waits for vmt_signal NAME from a guest or the host.
vmt_wait() {
  n=$((${2:-120} * 10))
  while [ ! -e "$VMT_SHARED/$1" ]; do
    n=$((n - 1))
    [ "$n" -gt 0 ] || fail "timed out waiting for '$1'"
    sleep 0.1
  done
}

# vmt_barrier NAME — every guest of the case waits until all have reached NAME.
vmt_barrier() {
  vmt_signal "$1.$VMT_INDEX"
  for i in $(seq 1 "$(echo $VMT_GUESTS | wc -w)"); do vmt_wait "$1.$i" "${2:-120}"; done
}

# vmt_big_write SRC DEST — starts `dd SRC DEST` (1 MiB blocks, fsync at the end) in the
# background and returns once 16 MiB of it reached DEST, with the dd's PID in
# $vmt_dd_pid; its exit status lands in /tmp/dd.rc.
vmt_big_write() {
  step "dd $(($(stat -c %s "$1") / 1048576)) MiB onto the mount"
  ( rc=0; dd if="$1" of="$2" bs=1M conv=fsync status=none || rc=$?; echo $rc >/tmp/dd.rc ) &
  vmt_dd_pid=$!
  while [ "$(stat -c %s "$2" 2>/dev/null || echo 0)" -lt 16777216 ]; do
    [ -e /tmp/dd.rc ] && fail "dd ended before 16 MiB were written: rc $(cat /tmp/dd.rc)"
    sleep 0.1
  done
}

# vmt_check_sum FILE SHA256 WHEN — FILE, read back after dropping the caches, must have
# the checksum SHA256 (WHEN says after what, for the failure message).
vmt_check_sum() {
  step "checksum after dropping caches"
  sync
  echo 3 >/proc/sys/vm/drop_caches
  got=$(sha256sum "$1" | cut -d' ' -f1)
  [ "$got" = "$2" ] || fail "checksum after $3: $got, want $2"
  ls -l "$1"
}
