# Case restart: a large write (dd of a file the host made, read over 9p) while the host
# SIGKILLs volumed and starts it again. The write pauses, then finishes without error,
# and the file on the server has the source's checksum.
. "$VMT_LIB"
M=/mnt/vol1
SRC=$VMT_WORK/restart-src.bin
vmt_mount vol1 "$M"
vmt_wait source-ready
want=$(cat "$VMT_WORK/restart-src.sha256")
step "dd $(($(stat -c %s "$SRC") / 1048576)) MiB onto the mount"
( rc=0; dd if="$SRC" of="$M/big" bs=1M conv=fsync status=none || rc=$?; echo $rc >/tmp/dd.rc ) &
ddpid=$!
while [ "$(stat -c %s "$M/big" 2>/dev/null || echo 0)" -lt 16777216 ]; do
  [ -e /tmp/dd.rc ] && fail "dd ended before 16 MiB were written: rc $(cat /tmp/dd.rc)"
  sleep 0.1
done
vmt_signal dd-started
wait $ddpid
date +%s.%N >/tmp/dd.end
step "dd finished with status $(cat /tmp/dd.rc)"
[ "$(cat /tmp/dd.rc)" = 0 ] || fail "dd failed across the server restart"
[ -e "$VMT_SHARED/server-restarted" ] || fail "dd finished before the server was restarted"
restarted=$(cat "$VMT_SHARED/server-restarted")
echo "server back at $restarted, dd done at $(cat /tmp/dd.end)"
step "checksum after dropping caches"
sync
echo 3 >/proc/sys/vm/drop_caches
got=$(sha256sum "$M/big" | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "checksum after the restart: $got, want $want"
ls -l "$M/big"
echo "restart: passed"
