# Case permissions: one guest; the permission rules of storage/permissions.h through the
# kernel client, as different users (setpriv): chown, chgrp, chmod, touch -d / touch,
# writes clearing set-ID bits, rm and mv in a sticky directory, links and creates in
# unwritable directories, root squash. Each line states the outcome Linux gives on a
# local file system (ok, EPERM or EACCES); the client's own checks and the server's must
# together give exactly that. vol1 is exported without root squash (root sets the files
# up), "squashed" with the default policy. Mounted with noac: every stat sees the server.
. "$VMT_LIB"
M=/mnt/vol1
S=/mnt/squashed
ERR=/tmp/perm.err
vmt_mount vol1 "$M" noac
vmt_mount squashed "$S" noac

checks=0
bad=0
# run_as UID:GID:GROUPS CMD... — CMD as that user; GROUPS is a comma list or "-" (none).
run_as() {
  spec=$1
  shift
  uid=${spec%%:*}
  rest=${spec#*:}
  gid=${rest%%:*}
  groups=${rest#*:}
  if [ "$groups" = - ]; then
    setpriv --reuid="$uid" --regid="$gid" --clear-groups -- "$@"
  else
    setpriv --reuid="$uid" --regid="$gid" --groups="$groups" -- "$@"
  fi
}
# judge GOT WANT WHAT — counts one check; prints it, and WRONG when GOT is not WANT.
judge() {
  checks=$((checks + 1))
  if [ "$1" = "$2" ]; then
    echo "ok    $3: $2"
  else
    echo "WRONG $3: $1, Linux gives $2"
    bad=$((bad + 1))
  fi
}
# expect WANT WHO CMD... — WANT is ok, EPERM or EACCES.
expect() {
  want=$1
  shift
  if run_as "$@" 2>"$ERR" </dev/null; then
    got=ok
  elif grep -q "Operation not permitted" "$ERR"; then
    got=EPERM
  elif grep -q "Permission denied" "$ERR"; then
    got=EACCES
  else
    got="other error: $(tr '\n' ' ' <"$ERR")"
  fi
  judge "$got" "$want" "$*"
}
# mode_is PATH MODE — the octal mode (stat %a) the server now reports.
mode_is() { judge "$(stat -c %a "$1")" "$2" "mode of $1"; }
# mk PATH UID:GID MODE [TYPE] — root makes PATH (file, dir, fifo) with that owner and mode.
mk() {
  case "${4:-file}" in
    file) : >"$1" ;;
    dir) mkdir "$1" ;;
    fifo) mkfifo "$1" ;;
  esac
  chown "$2" "$1"
  chmod "$3" "$1"
}

OWNER=1000:1000:-
OWNER3000=1000:1000:3000
OTHER=2000:2000:-
MEMBER=2000:2000:1000
DIROWNER=3000:3000:-
D=$M/perm
mkdir "$D"
chmod 0777 "$D"

step "issue 15: a no-op chown/chgrp by a non-owner is EPERM, on every file type"
for t in file dir fifo; do
  mk "$D/anon-$t" 65534:65534 0644 "$t"
  expect EPERM 65533:65533:- chown 65534:65534 "$D/anon-$t"
  expect EPERM 65533:65533:- chgrp 65534 "$D/anon-$t"
  expect EPERM 65533:65533:- chown -h 65534:65534 "$D/anon-$t"
done
ln -s anon-file "$D/anon-link"
chown -h 65534:65534 "$D/anon-link"
expect EPERM 65533:65533:- chown 65534:65534 "$D/anon-link"    # follows the link
expect EPERM 65533:65533:- chown -h 65534:65534 "$D/anon-link" # lchown
expect ok 65534:65534:- chown 65534:65534 "$D/anon-file"        # the owner may
expect ok 65534:65534:- chown -h 65534 "$D/anon-link"

step "chown and chgrp"
mk "$D/own" 1000:1000 0644
expect EPERM "$OWNER" chown 2000 "$D/own"
expect EPERM "$OWNER" chgrp 5000 "$D/own"
expect ok "$OWNER3000" chgrp 3000 "$D/own"
expect ok "$OWNER" chgrp 1000 "$D/own"
expect EPERM "$MEMBER" chgrp 1000 "$D/own"
expect ok 0:0:- chown 2000:2000 "$D/own"

step "chmod, and set-group-ID dropped for an owner outside the file's group"
mk "$D/mod" 1000:5000 0644
expect EPERM "$OTHER" chmod 0666 "$D/mod"
expect EPERM "$MEMBER" chmod 0666 "$D/mod"
expect ok "$OWNER" chmod 2755 "$D/mod"
mode_is "$D/mod" 755
mk "$D/mod3000" 1000:3000 0644
expect ok "$OWNER3000" chmod 2755 "$D/mod3000"
mode_is "$D/mod3000" 2755

step "set-ID bits cleared by a write from a non-root user and by chown"
mk "$D/suid" 1000:1000 6775
expect ok "$MEMBER" sh -c "echo x >>$D/suid"
mode_is "$D/suid" 775
mk "$D/suid-root" 1000:1000 6755
sh -c "echo x >>$D/suid-root"
mode_is "$D/suid-root" 6755
chown 2000 "$D/suid-root"
mode_is "$D/suid-root" 755

step "times: explicit only by the owner, now also with write permission"
mk "$D/times" 1000:1000 0666
expect EPERM "$OTHER" touch -d @1000000 "$D/times"
expect ok "$OTHER" touch "$D/times"
expect ok "$OWNER" touch -d @1000000 "$D/times"
[ "$(stat -c %Y "$D/times")" = 1000000 ] || fail "touch -d by the owner did not set the time"
mk "$D/times-ro" 1000:1000 0644
expect EACCES "$OTHER" touch "$D/times-ro"
expect ok "$OWNER" touch "$D/times-ro"

step "sticky directory: only the file's or the directory's owner removes or renames"
T=$D/tmp
mk "$T" 3000:3000 1777 dir
mk "$T/a" 1000:1000 0666
mk "$T/b" 1000:1000 0666
mk "$T/c" 1000:1000 0666
mk "$T/d" 1000:1000 0755 dir
mk "$T/mine" 2000:2000 0644
expect EPERM "$OTHER" rm -f "$T/a"
expect EPERM "$OTHER" mv "$T/a" "$T/a2"
expect EPERM "$OTHER" mv "$T/mine" "$T/a"
expect EPERM "$OTHER" rmdir "$T/d"
expect ok "$OWNER" rm -f "$T/a"
expect ok "$DIROWNER" rm -f "$T/b"
expect ok "$DIROWNER" rmdir "$T/d"
expect ok "$OTHER" mv "$T/mine" "$T/mine2"
expect ok 0:0:- rm -f "$T/c"

step "directories: create, remove, link and rename need write and search"
mk "$D/ro" 1000:1000 0755 dir
mk "$D/ro/f" 2000:2000 0644
mk "$D/gw" 1000:1000 0775 dir
expect EACCES "$OTHER" touch "$D/ro/new"
expect EACCES "$OTHER" rm -f "$D/ro/f"
expect EACCES "$OTHER" ln "$D/own" "$D/ro/link"
expect EACCES "$OTHER" mv "$D/ro/f" "$D/f-moved"
expect ok "$MEMBER" touch "$D/gw/new"
expect ok "$MEMBER" rm -f "$D/gw/new"
expect EPERM "$OTHER" mknod "$D/chr" c 1 3

step "group access through a supplementary group"
mk "$D/grp" 1000:1000 0660
expect ok "$MEMBER" sh -c "echo y >>$D/grp"
expect EACCES "$OTHER" sh -c "echo y >>$D/grp"
expect EACCES "$OTHER" cat "$D/grp"

step "new files in a set-group-ID directory"
mk "$D/sgid" 0:5000 2777 dir
expect ok "$OTHER" touch "$D/sgid/f"
expect ok "$OTHER" mkdir "$D/sgid/d"
expect ok "$OTHER" /usr/bin/python3 -c \
  "import os; os.close(os.open('$D/sgid/x', os.O_CREAT | os.O_WRONLY, 0o2755))"
judge "$(stat -c %u:%g "$D/sgid/f")" 2000:5000 "owner of a file made in a set-group-ID directory"
judge "$(stat -c %a:%g "$D/sgid/d")" 2755:5000 "mode:group of a directory made in it"
judge "$(stat -c %a:%g "$D/sgid/x")" 755:5000 "mode:group of a 2755 file made in it by a non-member"

step "root squash: root acts as 65534:65534"
touch "$S/sq-root-file" || fail "squashed root cannot create in the volume root"
expect ok 0:0:- chown 65534 "$S/sq-root-file"
expect EPERM 0:0:- chown 0 "$S/sq-root-file"
expect EPERM 0:0:- chown 1000 "$S/sq-root-file"

step "$checks checks, $bad wrong"
cd /
umount "$M" || fail "umount $M"
umount "$S" || fail "umount $S"
[ "$bad" -eq 0 ] || fail "$bad of $checks permission checks differ from Linux"
echo "permissions-ok"
