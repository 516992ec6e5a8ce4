# Kernel-client lock case 7, guest 2: block on the lock guest 1 holds; guest 1 is killed
# and boots again under the same name; its reboot notification must release the stale
# lock on the server, and this guest's blocked request is then granted.
. "$VMT_LIB"
LT="/usr/bin/python3 $VMT_SRC/tests/nlm/vm_jobs/locktool.py"
M=/mnt/vol1
S=$VMT_SHARED
vmt_mount vol1 "$M" "lookupcache=positive"
vmt_wait holder-ready 120
step "block on the other guest's lock"
$LT wait "$M/stale" 0 0 "$S/stale-acquired" &
waiter=$!
sleep 2
[ ! -e "$S/stale-acquired" ] || fail "granted while the other guest held the lock"
vmt_signal waiter-blocked
vmt_wait notified 300
step "the holder rebooted and notified; waiting for the grant"
n=0
while [ ! -e "$S/stale-acquired" ]; do
  n=$((n + 1))
  [ $n -lt 600 ] || fail "stale lock not released 60 s after the holder's reboot notification"
  sleep 0.1
done
wait $waiter || fail "blocked lockf failed"
echo "granted $((n / 10)).$((n % 10))s after the notification was sent"
vmt_signal waiter-done
echo "reboot_waiter: passed"
