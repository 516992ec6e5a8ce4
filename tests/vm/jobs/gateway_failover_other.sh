# Case gateway_failover, guest 2 (host steps: vmcases._kill_gw2_during_dd). Mounts the
# same volume from the same address (gw2's) as guest 1, whose lock must exclude it before
# the failover, after it (reclaimed in gw1's grace period) and until guest 1 releases it:
#  - before the kill: a non-blocking attempt is refused;
#  - once gw1 has taken over (flag taken-over), a non-blocking attempt — a new request,
#    not a reclaim — waits while gw1 is in grace (the kernel retries DENIED_GRACE_PERIOD),
#    then is refused: guest 1 reclaimed it. The host checks it waited for the grace end;
#  - a blocking attempt is granted only after guest 1 releases, within a few seconds.
# It also mounts a volume gw1 serves from gw1's address: a file written there before the
# kill reads back intact after it, and writes go on.
. "$VMT_LIB"
LT="/usr/bin/python3 $VMT_SRC/tests/nlm/vm_jobs/locktool.py"
V=$VMT_VOLUMES
M=/mnt/$V
S=$VMT_SHARED
vmt_mount "$V" "$M" "lookupcache=positive"
O=/mnt/$VMT_OTHER_VOLUME
vmt_mount "$VMT_OTHER_VOLUME" "$O" "" "$VMT_OTHER_SERVER"
step "write 8 MiB to $VMT_OTHER_SERVER:/$VMT_OTHER_VOLUME (gw1's)"
dd if=/dev/urandom of="$O/before" bs=1M count=8 conv=fsync status=none
before=$(sha256sum "$O/before" | cut -d' ' -f1)
vmt_wait holding 120
step "before the failover: guest 1's lock refuses me"
rc=0
$LT trylock "$M/lockfile" 0 0 || rc=$?
[ $rc = 3 ] || fail "before the failover guest 1's lock did not exclude me (trylock rc $rc)"
vmt_signal g2-refused
vmt_wait taken-over 300
step "gw1 has taken over, in grace: a new request waits, then is refused"
t0=$(date +%s.%N)
rc=0
$LT trylock "$M/lockfile" 0 0 || rc=$?
vmt_signal g2-trylock-done
t1=$(date +%s.%N)
echo "trylock in grace returned $rc after $(awk "BEGIN { print $t1 - $t0 }") s"
[ $rc = 3 ] || fail "after the failover trylock rc $rc: guest 1's lock was not reclaimed"
step "gw1's own volume after the failover"
echo 3 >/proc/sys/vm/drop_caches
[ "$(sha256sum "$O/before" | cut -d' ' -f1)" = "$before" ] || fail "$O/before changed across the failover"
dd if=/dev/urandom of="$O/after" bs=1M count=8 conv=fsync status=none || fail "writing gw1's volume after the failover"
step "blocking request: granted only once guest 1 releases"
$LT wait "$M/lockfile" 0 0 "$S/g2-acquired" &
waiter=$!
sleep 2
[ ! -e "$S/g2-acquired" ] || fail "granted while guest 1 held the lock"
vmt_signal g2-waiting
wait $waiter || fail "blocking lockf failed"
released=$(stat -c %Y "$S/release")
acquired=$(stat -c %Y "$S/g2-acquired")
[ "$acquired" -ge "$released" ] || fail "granted at $acquired, before guest 1 released at $released"
echo "granted $((acquired - released)) s after guest 1's release"
[ $((acquired - released)) -le 5 ] || fail "granted only $((acquired - released)) s after the release (the GRANTED callback was not accepted?)"
echo "gateway_failover: guest 2 passed"
