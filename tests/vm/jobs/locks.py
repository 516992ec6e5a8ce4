"""Two-guest lock checks, run in both guests at once: locks.py MOUNTDIR.

Guests meet at barriers through the shared 9p directory (VMT_SHARED). Exits non-zero on
the first failed check, with the reason on stdout.
"""

import contextlib
import errno
import fcntl
import os
import shelve
import sys
import time

from flufl.lock import Lock

MNT = sys.argv[1]
ME = int(os.environ["VMT_INDEX"])
PEERS = len(os.environ["VMT_GUESTS"].split())
SHARED = os.environ["VMT_SHARED"]
ROUNDS = 100  # lockf-locked increments per guest (issue 6)
GRANT_WITHIN = 1.0  # seconds from the holder's unlock to the blocked waiter's grant


def signal(name):
    tmp = os.path.join(SHARED, name + ".tmp")
    with open(tmp, "w") as f:
        f.write(f"{time.time()}\n")
    os.rename(tmp, os.path.join(SHARED, name))


def wait(name, timeout=180):
    deadline = time.monotonic() + timeout
    while not os.path.exists(os.path.join(SHARED, name)):
        if time.monotonic() > deadline:
            raise SystemExit(f"FAIL: timed out waiting for {name}")
        time.sleep(0.1)


def barrier(name):
    signal(f"{name}.{ME}")
    for i in range(1, PEERS + 1):
        wait(f"{name}.{i}")


def step(msg):
    print(f"== guest {ME}: {msg} ({time.strftime('%T')})", flush=True)


def fail(msg):
    print(f"FAIL on guest {ME}: {msg}", flush=True)
    sys.exit(1)


def locked_increments():
    path = os.path.join(MNT, "counter")
    if ME == 1:
        with open(path, "w") as f:
            f.write("0\n")
    barrier("counter-made")
    for _ in range(ROUNDS):
        fd = os.open(path, os.O_RDWR)
        fcntl.lockf(fd, fcntl.LOCK_EX)
        value = int(os.pread(fd, 100, 0).decode().strip() or "0")
        data = f"{value + 1}\n".encode()
        os.pwrite(fd, data, 0)
        os.ftruncate(fd, len(data))
        os.fsync(fd)
        fcntl.lockf(fd, fcntl.LOCK_UN)
        os.close(fd)
    barrier("counted")
    with open(path) as f:
        got = int(f.read().strip())
    if got != ROUNDS * PEERS:
        fail(f"lockf-locked increments: counter is {got}, want {ROUNDS * PEERS}")


def conflicts_and_grant():
    # flock() on NFS is a whole-file NLM lock; its owner differs from lockf()'s, so the
    # byte-range lock lives on a second file.
    path = os.path.join(MNT, "conflict")
    ranges = os.path.join(MNT, "ranges")
    if ME == 1:
        open(path, "w").close()
        open(ranges, "w").close()
    barrier("conflict-made")
    fd = os.open(path, os.O_RDWR)
    rfd = os.open(ranges, os.O_RDWR)
    if ME == 1:
        fcntl.flock(fd, fcntl.LOCK_EX)
        fcntl.lockf(rfd, fcntl.LOCK_EX, 1000, 10)
        signal("held")
        wait("saw-conflict")
        time.sleep(2)  # guest 2 is now blocked in flock()
        fcntl.flock(fd, fcntl.LOCK_UN)
        signal("unlocked")  # its mtime dates the unlock (the host's clock)
        wait("granted")
        fcntl.lockf(rfd, fcntl.LOCK_UN, 1000, 10)
    else:
        wait("held")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fail("flock LOCK_NB succeeded while the other guest holds it")
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.EACCES):
                raise
        try:
            fcntl.lockf(rfd, fcntl.LOCK_EX | fcntl.LOCK_NB, 100, 950)  # overlaps 10..1009
            fail("lockf LOCK_NB succeeded on a range the other guest holds")
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.EACCES):
                raise
        fcntl.lockf(rfd, fcntl.LOCK_EX | fcntl.LOCK_NB, 100, 1010)  # 1010..1109 is free
        fcntl.lockf(rfd, fcntl.LOCK_UN, 100, 1010)
        signal("saw-conflict")
        t = time.monotonic()
        fcntl.flock(fd, fcntl.LOCK_EX)  # blocks until guest 1 unlocks: NLM_GRANTED
        waited = time.monotonic() - t
        print(f"blocked flock granted after {waited:.1f}s", flush=True)
        if waited < 1:
            fail(f"flock returned after {waited:.1f}s while guest 1 still held it")
        signal("granted")  # its mtime dates the grant (the host's clock)
        fcntl.flock(fd, fcntl.LOCK_UN)
        wait("unlocked")
        delay = (os.stat(os.path.join(SHARED, "granted")).st_mtime
                 - os.stat(os.path.join(SHARED, "unlocked")).st_mtime)
        print(f"blocked flock granted {delay:.3f}s after the unlock", flush=True)
        if delay >= GRANT_WITHIN:
            fail(f"blocked flock granted {delay:.3f}s after the unlock, want < {GRANT_WITHIN} s "
                 "(the server's GRANTED callback, not the client's re-poll)")
    os.close(fd)
    os.close(rfd)
    barrier("conflicts-done")


@contextlib.contextmanager
def flufl_locked(path):
    lock = Lock(path, lifetime=120)
    lock.lock(timeout=120)
    try:
        yield
    finally:
        lock.unlock()


def flufl_shelve():
    """The seed scenario: a shelve cache shared by workers, guarded by flufl.lock."""
    lockfile = os.path.join(MNT, "cache.lock")
    db = os.path.join(MNT, "cache")
    for i in range(20):
        with flufl_locked(lockfile):
            with shelve.open(db) as s:
                s["count"] = s.get("count", 0) + 1
                s["log"] = s.get("log", []) + [f"{ME}:{i}"]
    barrier("shelved")
    with flufl_locked(lockfile):
        with shelve.open(db, flag="r") as s:
            count, log = s["count"], s["log"]
    if count != 20 * PEERS or len(log) != 20 * PEERS or len(set(log)) != 20 * PEERS:
        fail(f"shelve under flufl.lock: count {count}, {len(log)} log entries "
             f"({len(set(log))} distinct), want {20 * PEERS}")


for name, fn in [("lockf-locked increments", locked_increments),
                 ("flock/lockf conflicts and a granted blocked lock", conflicts_and_grant),
                 ("shelve guarded by flufl.lock", flufl_shelve)]:
    step(name)
    fn()
print(f"locks: guest {ME} passed")
