# Case locks: two guests coordinate through NLM locks on one volume (jobs/locks.py):
# 2x100 lockf-locked increments add up exactly, flock/lockf conflicts are seen across hosts, a
# blocked lock is granted within 1 s of the other host's unlock, and a shelve cache guarded by
# flufl.lock stays consistent.
. "$VMT_LIB"
M=/mnt/vol1
vmt_mount vol1 "$M"
vmt_barrier mounted
/usr/bin/python3 "$VMT_SRC/tests/vm/jobs/locks.py" "$M"
