# Case estale: the host deletes the volume while this guest has it mounted with files
# open; every later access fails with ESTALE (or EIO), promptly, instead of hanging.
. "$VMT_LIB"
M=/mnt/doomed
vmt_mount doomed "$M"
echo "data" >"$M/file"
mkdir "$M/dir"
exec 3<"$M/file"
vmt_signal mounted
vmt_wait volume-deleted
step "access after the volume was deleted"
sync
echo 3 >/proc/sys/vm/drop_caches
for what in "stat $M/file" "ls $M" "cat $M/dir/../file" "touch $M/new"; do
  out=$(timeout 60 $what 2>&1) && fail "'$what' succeeded on a deleted volume: $out"
  rc=$?
  [ $rc = 124 ] && fail "'$what' hung on a deleted volume"
  echo "$what -> $out"
  case "$out" in
    *"Stale file handle"*|*"Input/output error"*) ;;
    *) fail "'$what' failed with '$out', want ESTALE" ;;
  esac
done
exec 3<&-
step "unmount"
cd /
timeout 60 umount -f "$M" || timeout 60 umount -l "$M" || fail "umount of a deleted volume"
echo "estale: passed"
