# Kernel-client lock case 2 (two guests): guest 1 holds a whole-file lockf lock, guest 2
# blocks on it (F_SETLKW); after guest 1 unlocks, guest 2 must be granted within 1 s —
# by the server's GRANTED callback, not the client's 30 s re-poll. Both events are dated
# by the mtimes of flag files on the 9p share (one clock: the host's).
. "$VMT_LIB"
LT="/usr/bin/python3 $VMT_SRC/tests/nlm/vm_jobs/locktool.py"
M=/mnt/vol1
S=$VMT_SHARED
vmt_mount vol1 "$M" "lookupcache=positive"
[ "$VMT_INDEX" = 1 ] && : >"$M/wake"
vmt_barrier ready
if [ "$VMT_INDEX" = 1 ]; then
  step "hold the lock"
  $LT hold "$M/wake" 0 0 "$S/held" "$S/release" "$S/unlocked" &
  holder=$!
  vmt_wait waiting 120
  sleep 3 # let guest 2's request reach the server and block there
  step "unlock"
  vmt_signal release
  wait $holder || fail "holder failed"
  vmt_wait acquired 60
else
  vmt_wait held 120
  step "block on the held lock"
  $LT wait "$M/wake" 0 0 "$S/acquired" &
  waiter=$!
  sleep 2
  [ ! -e "$S/acquired" ] || fail "granted while the other guest held the lock"
  vmt_signal waiting
  wait $waiter || fail "blocked lockf failed"
  delay=$(/usr/bin/python3 -c "import os,sys; print('%.3f' % (os.stat(sys.argv[1]).st_mtime - os.stat(sys.argv[2]).st_mtime))" "$S/acquired" "$S/unlocked")
  echo "granted ${delay}s after the unlock"
  /usr/bin/python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 1.0 else 1)" "$delay" ||
    fail "blocked waiter granted ${delay}s after the unlock, want < 1 s"
fi
vmt_barrier done
echo "lock_wakeup: guest $VMT_INDEX passed"
