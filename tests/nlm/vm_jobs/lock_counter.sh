# Kernel-client lock case 1 (two or more guests): 100 lockf-serialised increments of one
# counter file from every guest; afterwards the counter is exactly 100 × guests.
. "$VMT_LIB"
LT="/usr/bin/python3 $VMT_SRC/tests/nlm/vm_jobs/locktool.py"
M=/mnt/vol1
vmt_mount vol1 "$M" "lookupcache=positive"
[ "$VMT_INDEX" = 1 ] && echo 0 >"$M/counter"
vmt_barrier ready
step "100 lockf increments"
$LT counter "$M/counter" 100 || fail "lockf increments failed"
vmt_barrier counted
want=$((100 * $(echo $VMT_GUESTS | wc -w)))
got=$(cat "$M/counter")
[ "$got" = "$want" ] || fail "counter is $got, want $want"
echo "lock_counter: guest $VMT_INDEX passed ($got)"
