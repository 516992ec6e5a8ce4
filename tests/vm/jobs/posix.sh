# Case posix: one guest, the POSIX calls users make on a mount (posix_calls.py), then
# df and a clean unmount.
. "$VMT_LIB"
M=/mnt/vol1
step "mount"
vmt_mount vol1 "$M"
grep " $M nfs " /proc/mounts
step "POSIX calls"
rc=0
/usr/bin/python3 "$VMT_SRC/tests/vm/jobs/posix_calls.py" "$M" || rc=$?
step "df"
df -h "$M" || fail "df on the mount"
df -i "$M" || fail "df -i on the mount"
step "unmount"
cd /
umount "$M" || fail "umount"
exit "$rc"
