# Harness self-test: a hung guest must be stopped by its timeout and reported.
. "$VMT_LIB"
echo "selftest-hang $VMT_HOSTNAME"
sleep 100000
