# Kernel-client lock case 7, guest 1's second boot under the same name: restore the
# statd records of the first boot and send the reboot notification (sm-notify), as a
# host with persistent /var/lib/nfs does at boot. volumed must release the stale lock.
. "$VMT_LIB"
S=$VMT_SHARED
[ -d "$S/sm-$VMT_HOSTNAME" ] || fail "no statd records saved by the first boot"
cp -a "$S/sm-$VMT_HOSTNAME/." /var/lib/nfs/sm/
[ -e "$S/state-$VMT_HOSTNAME" ] && cp "$S/state-$VMT_HOSTNAME" /var/lib/nfs/state
step "reboot notification"
sm-notify -f -d || fail "sm-notify failed"
vmt_signal notified
vmt_wait waiter-done 180
echo "reboot_notify: passed"
