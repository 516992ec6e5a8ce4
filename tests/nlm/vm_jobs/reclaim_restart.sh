# Kernel-client lock case 6 (two guests; host steps below): each guest holds a lockf lock
# on its own range of one file; the host SIGKILLs volumed and starts it again. volumed's
# NSM tells both guests' statds it rebooted, their kernels reclaim during the grace
# period, and the locks stay exclusive: each guest's non-blocking attempt on the other's
# range — retried by the kernel while the server is in grace — ends refused, never granted.
# Host steps: wait for flags holding.1 and holding.2, kill -9 volumed, start it again
# (a short --grace-period, e.g. 15, keeps the case quick), then signal `restarted`.
. "$VMT_LIB"
LT="/usr/bin/python3 $VMT_SRC/tests/nlm/vm_jobs/locktool.py"
M=/mnt/vol1
S=$VMT_SHARED
me=$VMT_INDEX
other=$((3 - me))
vmt_mount vol1 "$M" "lookupcache=positive"
[ "$me" = 1 ] && : >"$M/reclaim"
vmt_barrier ready
step "hold my range"
$LT hold "$M/reclaim" $((me * 100)) 100 "$S/holding.$me" "$S/release.$me" &
holder=$!
vmt_wait "holding.$me" 60
vmt_wait restarted 300
step "the server restarted; try the other guest's range"
rc=0
$LT trylock "$M/reclaim" $((other * 100)) 100 || rc=$?
[ $rc = 3 ] || fail "after the restart the other guest's range was not locked (trylock rc $rc): its lock was not reclaimed"
vmt_barrier checked 300
vmt_signal "release.$me"
wait $holder || fail "my holder failed (its lock was lost?)"
echo "reclaim_restart: guest $me passed"
