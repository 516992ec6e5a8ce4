# Case programs: real programs on the mount — git init/add/commit and clone from it,
# cp -a of a tree of many small files and diff -r, rsync -a in and out, untar of a
# generated C source tree and make -j2.
. "$VMT_LIB"
M=/mnt/vol1
vmt_mount vol1 "$M"
export HOME=/tmp/home
mkdir -p "$HOME"
step "generate trees"
/usr/bin/python3 "$VMT_SRC/tests/vm/jobs/gentree.py" files /tmp/tree 600
/usr/bin/python3 "$VMT_SRC/tests/vm/jobs/gentree.py" csrc /tmp/csrc 24

# Metadata that cp -a and rsync -a must preserve: files' mode, size and mtime,
# directories' mode and mtime, symlinks' targets.
meta() {
  (cd "$1" && {
    find . -type f -printf '%p f %m %s %T@\n'
    find . -type d -printf '%p d %m %T@\n'
    find . -type l -printf '%p l %l\n'
  } | LC_ALL=C sort)
}
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }

step "git init/add/commit on the mount"
git config --global user.email vm@test.invalid
git config --global user.name "vm test"
git config --global init.defaultBranch main
mkdir "$M/repo"
cp -a /tmp/csrc/. "$M/repo/"
cd "$M/repo"
git init -q
git add -A
git commit -q -m "first"
echo "/* second */" >>main.c
git mv util1.c util1_renamed.c
git commit -q -a -m "second"
git gc -q
git fsck --strict 2>&1 || fail "git fsck on the mount"
[ "$(git rev-list --count HEAD)" = 2 ] || fail "git history on the mount"
cd /
step "git clone from the mount, and onto it"
git clone -q "$M/repo" /tmp/clone || fail "git clone from the mount"
diff -r -x .git "$M/repo" /tmp/clone || fail "clone differs from the repository"
git clone -q /tmp/clone "$M/clone2" || fail "git clone onto the mount"
[ -z "$(git -C "$M/clone2" status --porcelain)" ] || fail "fresh clone on the mount is dirty"
git -C "$M/clone2" fsck --strict 2>&1 || fail "git fsck of the clone on the mount"

step "cp -a of 600 small files, then diff -r"
cp -a /tmp/tree "$M/tree" || fail "cp -a onto the mount"
drop_caches
diff -r /tmp/tree "$M/tree" || fail "diff -r after cp -a"
meta /tmp/tree >/tmp/meta.src
meta "$M/tree" >/tmp/meta.nfs
diff /tmp/meta.src /tmp/meta.nfs || fail "cp -a did not preserve modes, sizes, times or links"

step "rsync -a in and out"
rsync -a /tmp/tree/ "$M/rs/" || fail "rsync -a onto the mount"
rsync -a "$M/rs/" /tmp/back/ || fail "rsync -a from the mount"
drop_caches
diff -r /tmp/tree /tmp/back || fail "diff -r after rsync in and out"
meta /tmp/back >/tmp/meta.back
diff /tmp/meta.src /tmp/meta.back || fail "rsync -a round trip changed metadata"
changes=$(rsync -a --checksum --omit-link-times -n -i /tmp/tree/ "$M/rs/")
[ -z "$changes" ] || fail "rsync --checksum sees differences: $changes"

step "untar a source tree and make -j2"
tar -C /tmp -czf /tmp/csrc.tgz csrc
mkdir "$M/build"
tar -C "$M/build" -xzf /tmp/csrc.tgz || fail "untar onto the mount"
cd "$M/build/csrc"
make -j2 >/tmp/make1.log 2>&1 || { cat /tmp/make1.log; fail "make -j2"; }
[ "$(./prog)" = "$(cat expected)" ] || fail "the built program prints the wrong sum"
make -j2 >/tmp/make2.log 2>&1 || fail "second make"
grep -q "Nothing to be done\|is up to date" /tmp/make2.log ||
  { cat /tmp/make2.log; fail "a second make rebuilt something (mtimes wrong?)"; }
sleep 1
touch util3.c
make -j2 >/tmp/make3.log 2>&1 || fail "make after touch"
[ "$(grep -c 'cc -c' /tmp/make3.log)" = 1 ] ||
  { cat /tmp/make3.log; fail "touching one source did not rebuild exactly one object"; }
make clean >/dev/null
[ -z "$(ls ./*.o 2>/dev/null)" ] || fail "make clean left objects"
cd /
umount "$M" || fail "umount"
echo "programs: all steps passed"
