# Case two_guests: two guests mount one volume at once.
#  - close-to-open: a file written and closed on one is read intact on the other, also
#    after an in-place overwrite of a file the reader has cached (same size: only the
#    server's mtime/ctime tell the change);
#  - a rename on one is seen on the other (the reader mounts with lookupcache=positive
#    and looks the old name up again after its attribute cache expired — see below);
#  - both append to their own files and create files in one directory at the same time.
. "$VMT_LIB"
M=/mnt/vol1
me=$VMT_INDEX
vmt_mount vol1 "$M" "lookupcache=positive"
vmt_barrier mounted
sha() { sha256sum "$1" | cut -d' ' -f1; }
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }

if [ "$me" = 1 ]; then
  step "write a file and close it"
  head -c 20000000 /dev/urandom >/tmp/a
  cp /tmp/a "$M/shared.bin"
  sha /tmp/a >"$VMT_SHARED/a.sha"
  vmt_signal written-a
  vmt_wait read-a
  step "overwrite it in place, same size"
  head -c 20000000 /dev/urandom >/tmp/b
  dd if=/tmp/b of="$M/shared.bin" bs=1M conv=notrunc status=none
  sha /tmp/b >"$VMT_SHARED/b.sha"
  vmt_signal written-b
  vmt_wait read-b
  step "rename over a name the other guest has cached"
  echo "old target" >"$M/target.txt"
  vmt_signal target-made
  vmt_wait target-cached
  mv "$M/shared.bin" "$M/target.txt"
  vmt_signal renamed
  vmt_wait rename-seen
  step "the other guest's file, read here"
  vmt_wait written-c
  [ "$(sha "$M/from2.bin")" = "$(cat "$VMT_SHARED/c.sha")" ] || fail "file from guest 2 differs"
else
  vmt_wait written-a
  step "read the file written on guest 1"
  [ "$(sha "$M/shared.bin")" = "$(cat "$VMT_SHARED/a.sha")" ] || fail "close-to-open: content A differs"
  vmt_signal read-a
  vmt_wait written-b
  step "read it again after guest 1 overwrote it in place"
  [ "$(sha "$M/shared.bin")" = "$(cat "$VMT_SHARED/b.sha")" ] ||
    fail "close-to-open: still reading the old content after an in-place overwrite"
  vmt_signal read-b
  vmt_wait target-made
  cat "$M/target.txt" >/dev/null
  vmt_signal target-cached
  vmt_wait renamed
  step "see guest 1's rename"
  # The new name was never looked up here; the old dentry may be trusted for up to the
  # directory attribute cache time (acdirmin, 30 s by default), so look it up after that.
  [ "$(sha "$M/target.txt")" = "$(cat "$VMT_SHARED/b.sha")" ] ||
    fail "after the rename, target.txt does not hold the renamed file's content"
  n=0
  while [ -e "$M/shared.bin" ]; do
    n=$((n + 1))
    [ $n -lt 70 ] || fail "the renamed-away name shared.bin still exists after 70 s"
    sleep 1
  done
  echo "old name gone after ${n}s"
  vmt_signal rename-seen
  step "write a file for guest 1"
  head -c 5000000 /dev/urandom >/tmp/c
  cp /tmp/c "$M/from2.bin"
  sha /tmp/c >"$VMT_SHARED/c.sha"
  vmt_signal written-c
fi

step "append to separate files and create files in one directory, both at once"
mkdir -p "$M/many" 2>/dev/null || true
vmt_barrier appends
i=0
while [ $i -lt 300 ]; do
  echo "guest $me line $i" >>"$M/append.$me"
  [ $((i % 3)) = 0 ] && : >"$M/many/g$me-$i"
  i=$((i + 1))
done
vmt_barrier appended
drop_caches
for g in 1 2; do
  [ "$(wc -l <"$M/append.$g")" = 300 ] || fail "append.$g has $(wc -l <"$M/append.$g") lines"
  [ "$(sed -n '300p' "$M/append.$g")" = "guest $g line 299" ] || fail "append.$g last line"
done
[ "$(ls "$M/many" | wc -l)" = 200 ] || fail "many/ lists $(ls "$M/many" | wc -l) entries, want 200"
vmt_barrier checked
echo "two_guests: guest $me passed"
