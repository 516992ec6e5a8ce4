# Case posix: one guest, the POSIX calls users make on a mount (posix_calls.py; vol1 is
# exported without root squash), df, a clean unmount, and root squash on a volume with
# the default policy.
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

step "root squash (the default policy) on volume 'squashed'"
S=/mnt/squashed
vmt_mount squashed "$S"
mkdir "$S/dir" && chmod 777 "$S/dir" 2>/dev/null || true
touch "$S/dir/by-root" || fail "root cannot create a file in a 0777 directory"
owner=$(stat -c %u:%g "$S/dir/by-root")
[ "$owner" = 65534:65534 ] || fail "a file root created under root squash is owned by $owner"
chown 0:0 "$S/dir/by-root" 2>/dev/null && fail "squashed root could chown a file to root"
umount "$S" || fail "umount $S"
exit "$rc"
