# Kernel-client lock case 5 (two or more guests): sqlite3 in rollback-journal mode on one
# database file on the mount; N inserts from each guest (sqlite serialises writers with
# POSIX byte-range locks, i.e. NLM); then the row count is exact and integrity_check ok.
. "$VMT_LIB"
LT="/usr/bin/python3 $VMT_SRC/tests/nlm/vm_jobs/locktool.py"
M=/mnt/vol1
N=100
vmt_mount vol1 "$M" "lookupcache=positive"
[ "$VMT_INDEX" = 1 ] && { $LT sqlite "$M/db.sqlite" setup 0 || fail "create the database"; }
vmt_barrier ready
step "$N inserts"
$LT sqlite "$M/db.sqlite" "$VMT_HOSTNAME" $N || fail "sqlite inserts failed"
vmt_barrier inserted
$LT check-sqlite "$M/db.sqlite" $((N * $(echo $VMT_GUESTS | wc -w))) || fail "database check"
vmt_barrier checked
echo "sqlite_two: guest $VMT_INDEX passed"
