# Harness self-test: prints a known line and checks the guest environment and the shared
# directory (it waits for the failing guest's signal).
. "$VMT_LIB"
[ "$(hostname)" = "$VMT_HOSTNAME" ] || fail "hostname $(hostname) != $VMT_HOSTNAME"
rpcinfo -p 127.0.0.1 | grep -q status || fail "rpc.statd is not registered"
[ -x /sbin/mount.nfs ] || fail "no mount.nfs in the guest"
grep -qw nfs /proc/filesystems || fail "no nfs filesystem in the guest kernel"
vmt_signal ok-booted
vmt_wait fail-booted 240
echo "selftest-ok $VMT_HOSTNAME"
