# Case restart: a large write (dd of a file the host made, read over 9p) while the host
# SIGKILLs volumed and starts it again. The write pauses, then finishes without error,
# and the file on the server has the source's checksum.
. "$VMT_LIB"
M=/mnt/vol1
SRC=$VMT_WORK/restart-src.bin
vmt_mount vol1 "$M"
vmt_wait source-ready
want=$(cat "$VMT_WORK/restart-src.sha256")
vmt_big_write "$SRC" "$M/big"
vmt_signal dd-started
wait $vmt_dd_pid
date +%s.%N >/tmp/dd.end
step "dd finished with status $(cat /tmp/dd.rc)"
[ "$(cat /tmp/dd.rc)" = 0 ] || fail "dd failed across the server restart"
[ -e "$VMT_SHARED/server-restarted" ] || fail "dd finished before the server was restarted"
restarted=$(cat "$VMT_SHARED/server-restarted")
echo "server back at $restarted, dd done at $(cat /tmp/dd.end)"
vmt_check_sum "$M/big" "$want" "the restart"
echo "restart: passed"
