# Kernel-client lock case 3 (two guests): flock() — which Linux's NFS client sends as a
# whole-file NLM lock — excludes across hosts: an exclusive flock on one guest refuses
# both kinds on the other; shared flocks coexist and refuse an exclusive one.
. "$VMT_LIB"
LT="/usr/bin/python3 $VMT_SRC/tests/nlm/vm_jobs/locktool.py"
M=/mnt/vol1
S=$VMT_SHARED
vmt_mount vol1 "$M" "lookupcache=positive"
[ "$VMT_INDEX" = 1 ] && : >"$M/flocked"
vmt_barrier ready
try() { # try MODE → 0 granted, 3 held elsewhere; anything else fails the job
  rc=0
  $LT flock-try "$M/flocked" "$1" || rc=$?
  [ $rc = 0 ] || [ $rc = 3 ] || fail "flock-try $1 crashed (rc $rc)"
  return $rc
}
if [ "$VMT_INDEX" = 1 ]; then
  step "exclusive flock"
  $LT flock-hold "$M/flocked" exclusive "$S/ex-held" "$S/ex-release" &
  holder=$!
  vmt_wait ex-checked 120
  vmt_signal ex-release
  wait $holder || fail "exclusive holder failed"
  step "shared flock"
  $LT flock-hold "$M/flocked" shared "$S/sh-held" "$S/sh-release" &
  holder=$!
  vmt_wait sh-checked 120
  vmt_signal sh-release
  wait $holder || fail "shared holder failed"
else
  vmt_wait ex-held 120
  step "the other guest holds an exclusive flock"
  if try exclusive; then fail "exclusive flock granted while another host holds one"; fi
  if try shared; then fail "shared flock granted while another host holds an exclusive one"; fi
  vmt_signal ex-checked
  n=0
  until try exclusive; do
    n=$((n + 1))
    [ $n -lt 60 ] || fail "exclusive flock still refused 30 s after the holder released it"
    sleep 0.5
  done
  vmt_wait sh-held 120
  step "the other guest holds a shared flock"
  try shared || fail "shared flock refused while the other host holds only a shared one"
  if try exclusive; then fail "exclusive flock granted while another host holds a shared one"; fi
  vmt_signal sh-checked
fi
vmt_barrier done
echo "flock_cross: guest $VMT_INDEX passed"
