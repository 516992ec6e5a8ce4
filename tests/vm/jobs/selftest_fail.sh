# Harness self-test: a job that fails must be reported with its exit status.
. "$VMT_LIB"
vmt_barrier booted
echo "selftest-fail $VMT_HOSTNAME"
exit 3
