# Case gateway_move (host steps: vmcases._move_during_dd). Mounts a volume gw1 owns from
# gw1's service address and writes a large file (dd of a random file the host made, read
# over 9p) while the host hands the volume over to gw2 (`volumectl move`): the mount stays
# on gw1's address, which forwards the calls to gw2. The write must finish without error
# and the file, read back through the same mount after dropping the caches, must have the
# source's checksum.
. "$VMT_LIB"
V=$VMT_VOLUMES
M=/mnt/$V
vmt_mount "$V" "$M"
want=$(cat "$VMT_WORK/restart-src.sha256")
vmt_big_write "$VMT_WORK/restart-src.bin" "$M/big"
vmt_signal dd-started
wait $vmt_dd_pid
step "dd finished with status $(cat /tmp/dd.rc)"
[ "$(cat /tmp/dd.rc)" = 0 ] || fail "dd failed across the move"
[ -e "$VMT_SHARED/moved" ] || fail "dd finished before the volume moved: the move was not tested"
vmt_check_sum "$M/big" "$want" "the move"
echo "gateway_move: guest passed"
