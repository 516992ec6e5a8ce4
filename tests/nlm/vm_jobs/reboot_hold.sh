# Kernel-client lock case 7, guest 1's first boot: take an exclusive lock, save this
# host's statd records (the server is monitored there) to the shared directory, and hold
# the lock until the host kills this guest.
# Host steps for the case: wait for `waiter-blocked`, SIGKILL this guest's qemu, boot it
# again under the SAME hostname (and address) running reboot_notify.sh.
. "$VMT_LIB"
LT="/usr/bin/python3 $VMT_SRC/tests/nlm/vm_jobs/locktool.py"
M=/mnt/vol1
S=$VMT_SHARED
vmt_mount vol1 "$M" "lookupcache=positive"
: >"$M/stale"
$LT hold-forever "$M/stale" 0 0 "$S/stale-held" &
vmt_wait stale-held 60
ls /var/lib/nfs/sm/* >/dev/null 2>&1 || fail "statd recorded no monitored host"
mkdir -p "$S/sm-$VMT_HOSTNAME"
cp -a /var/lib/nfs/sm/. "$S/sm-$VMT_HOSTNAME/"
cp /var/lib/nfs/state "$S/state-$VMT_HOSTNAME" 2>/dev/null || true
step "holding the lock; waiting to be killed"
vmt_signal holder-ready
while :; do sleep 60; done
