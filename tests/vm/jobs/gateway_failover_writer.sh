# Case gateway_failover, guest 1 (host steps: vmcases._kill_gw2_during_dd). Mounts the
# volume gw2 owns from gw2's service address, holds a lockf lock on one file there and,
# once guest 2 has seen it refused, writes a large file (dd of a random file the host made,
# read over 9p) while the host kill -9s gw2. gw1 takes the volume and the address over:
# the write must finish without error and the file read back after dropping the caches
# must have the source's checksum; a small write sent after the kill dates the failover as
# the guest sees it (flag g1-probe-written). The lock is released only once guest 2 waits for it.
# It also mounts a volume gw1 serves from gw1's address (as guest 2 does), so each guest
# has volumes of both gateways mounted: a file written there before the kill reads back
# intact after it.
. "$VMT_LIB"
LT="/usr/bin/python3 $VMT_SRC/tests/nlm/vm_jobs/locktool.py"
V=$VMT_VOLUMES
M=/mnt/$V
S=$VMT_SHARED
SRC=$VMT_WORK/restart-src.bin
vmt_mount "$V" "$M" "lookupcache=positive"
O=/mnt/$VMT_OTHER_VOLUME
vmt_mount "$VMT_OTHER_VOLUME" "$O" "" "$VMT_OTHER_SERVER"
step "write 4 MiB to $VMT_OTHER_SERVER:/$VMT_OTHER_VOLUME (gw1's)"
dd if=/dev/urandom of="$O/from-guest1" bs=1M count=4 conv=fsync status=none
mine=$(sha256sum "$O/from-guest1" | cut -d' ' -f1)
: >"$M/lockfile"
want=$(cat "$VMT_WORK/restart-src.sha256")
step "hold a lock on $VMT_SERVER:/$V/lockfile"
$LT hold "$M/lockfile" 0 0 "$S/holding" "$S/release" "$S/released" &
holder=$!
vmt_wait holding 60
vmt_wait g2-refused 300
vmt_big_write "$SRC" "$M/big"
vmt_signal dd-started
# The failover as this guest sees it: a small synchronous write sent once the host has
# killed gw2 completes when gw1 serves the volume (the host dates both flags).
( vmt_wait killed 300 && dd if=/dev/urandom of="$M/probe" bs=4k count=1 conv=fsync status=none &&
  vmt_signal g1-probe-written ) &
wait $vmt_dd_pid
step "dd finished with status $(cat /tmp/dd.rc)"
[ "$(cat /tmp/dd.rc)" = 0 ] || fail "dd failed across the failover"
[ -e "$S/killed" ] || fail "dd finished before gw2 was killed: the failover was not tested"
vmt_check_sum "$M/big" "$want" "the failover"
vmt_check_sum "$O/from-guest1" "$mine" "the failover (gw1's volume)"
vmt_wait g2-waiting 300
sleep 2
step "release the lock guest 2 waits for"
vmt_signal release
wait $holder || fail "my lock holder failed"
echo "gateway_failover: guest 1 passed"
