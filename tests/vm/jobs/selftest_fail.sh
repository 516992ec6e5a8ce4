# Harness self-test: a job that fails must be reported with its exit status.
. "$VMT_LIB"
vmt_signal fail-booted
vmt_wait ok-booted 240
echo "selftest-fail $VMT_HOSTNAME"
exit 3
