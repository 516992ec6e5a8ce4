# Kernel-client lock case 4 (two or more guests), the seed's scenario: a `shelve` disk
# cache shared by every guest, each update made under `flufl.lock`; afterwards every key
# of every guest is there with its value and the shared counter is exact. With
# python3-gdbm installed, shelve's gdbm also takes its own fcntl lock on the file (NLM).
. "$VMT_LIB"
LT="/usr/bin/python3 $VMT_SRC/tests/nlm/vm_jobs/locktool.py"
M=/mnt/vol1
N=40
vmt_mount vol1 "$M" "lookupcache=positive"
[ "$VMT_INDEX" = 1 ] && mkdir -p "$M/shelf"
vmt_barrier ready
step "$N shelve updates under flufl.lock"
$LT shelve "$M/shelf" "$VMT_HOSTNAME" $N || fail "shelve updates failed"
vmt_barrier updated
step "check the cache"
$LT check-shelve "$M/shelf" "$VMT_GUESTS" $N || fail "the shared cache lost or mangled updates"
vmt_barrier checked
echo "shelve_flufl: guest $VMT_INDEX passed"
