"""Lock workloads for the kernel-client lock cases (tests/nlm/vm_jobs/*.sh), run in the
guests with /usr/bin/python3. Every command exits 0 on success and prints why otherwise.

  counter FILE N                 N lockf-serialised increments of the number in FILE
  hold FILE START LEN HELD RELEASE [UNLOCKED]
                                 lockf-lock [START, START+LEN) exclusively, create HELD,
                                 wait for RELEASE to exist, unlock, create UNLOCKED
  hold-forever FILE START LEN HELD
                                 lock and create HELD, then sleep until killed
  wait FILE START LEN ACQUIRED   blocking lockf; create ACQUIRED as soon as it is granted
  trylock FILE START LEN         non-blocking: exit 0 if granted, 3 if held elsewhere
  flock-try FILE shared|exclusive
                                 non-blocking flock: exit 0 if granted, 3 if not
  flock-hold FILE shared|exclusive HELD RELEASE
  shelve DIR GUEST N             N updates of a shelve under flufl.lock
  check-shelve DIR GUESTS N      every key of every guest present, counter exact
  sqlite DB GUEST N              N inserts in rollback-journal mode
  check-sqlite DB TOTAL          row count exact, integrity_check ok

Exit status 3 means "held elsewhere", so that a crash (status 1) is never mistaken for it.
Flag files are created with one write and close, so their mtime (taken by the 9p host,
one clock for every guest) dates the event.
"""

import errno
import fcntl
import os
import sys
import time

HELD_ELSEWHERE = 3


def touch(path):
    with open(path + ".tmp", "w") as f:
        f.write(f"{time.time():.6f}\n")
    os.rename(path + ".tmp", path)


def wait_for(path, seconds=600):
    deadline = time.monotonic() + seconds
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            sys.exit(f"timed out waiting for {path}")
        time.sleep(0.02)


def counter(path, n):
    fd = os.open(path, os.O_RDWR)
    for _ in range(n):
        fcntl.lockf(fd, fcntl.LOCK_EX)
        os.lseek(fd, 0, os.SEEK_SET)
        value = int(os.read(fd, 64).strip() or b"0")
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, str(value + 1).encode())
        os.fsync(fd)
        fcntl.lockf(fd, fcntl.LOCK_UN)
    os.close(fd)


def hold(path, start, length, held, release, unlocked=None):
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.lockf(fd, fcntl.LOCK_EX, length, start)
    touch(held)
    if release is None:
        while True:
            time.sleep(3600)
    wait_for(release)
    fcntl.lockf(fd, fcntl.LOCK_UN, length, start)
    if unlocked:
        touch(unlocked)
    os.close(fd)


def wait(path, start, length, acquired):
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.lockf(fd, fcntl.LOCK_EX, length, start)
    touch(acquired)
    fcntl.lockf(fd, fcntl.LOCK_UN, length, start)
    os.close(fd)


def trylock(path, start, length):
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, length, start)
    except OSError as e:
        if e.errno in (errno.EAGAIN, errno.EACCES):
            print(f"trylock {path} [{start},+{length}): held elsewhere")
            return HELD_ELSEWHERE
        raise
    fcntl.lockf(fd, fcntl.LOCK_UN, length, start)
    print(f"trylock {path} [{start},+{length}): granted")
    return 0


def flock_mode(mode):
    return fcntl.LOCK_SH if mode == "shared" else fcntl.LOCK_EX


def flock_try(path, mode):
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, flock_mode(mode) | fcntl.LOCK_NB)
    except OSError as e:
        if e.errno in (errno.EAGAIN, errno.EACCES):
            print(f"flock {mode} {path}: held elsewhere")
            return HELD_ELSEWHERE
        raise
    fcntl.flock(fd, fcntl.LOCK_UN)
    print(f"flock {mode} {path}: granted")
    return 0


def flock_hold(path, mode, held, release):
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, flock_mode(mode))
    touch(held)
    wait_for(release)
    fcntl.flock(fd, fcntl.LOCK_UN)


def shelve_updates(d, guest, n):
    import datetime
    import shelve
    from flufl.lock import Lock
    lock = Lock(os.path.join(d, "cache.lck"), lifetime=datetime.timedelta(minutes=5))
    for i in range(n):
        with lock:
            with shelve.open(os.path.join(d, "cache")) as db:
                db[f"{guest}-{i}"] = {"guest": guest, "i": i, "square": i * i}
                db["count"] = db.get("count", 0) + 1


def check_shelve(d, guests, n):
    import dbm
    import shelve
    print("shelve backend:", dbm.whichdb(os.path.join(d, "cache")))
    with shelve.open(os.path.join(d, "cache"), flag="r") as db:
        bad = []
        for g in guests:
            for i in range(n):
                v = db.get(f"{g}-{i}")
                if v != {"guest": g, "i": i, "square": i * i}:
                    bad.append(f"{g}-{i}={v!r}")
        if bad:
            sys.exit(f"{len(bad)} keys missing or wrong, e.g. {bad[:5]}")
        if db.get("count") != n * len(guests):
            sys.exit(f"count is {db.get('count')}, want {n * len(guests)}")
    print(f"shelve: {n * len(guests)} keys and the counter are exact")


def sqlite_inserts(db, guest, n):
    import sqlite3
    con = sqlite3.connect(db, timeout=120)
    con.execute("PRAGMA journal_mode=DELETE")
    con.execute("CREATE TABLE IF NOT EXISTS t (guest TEXT, i INTEGER, payload TEXT)")
    con.commit()
    for i in range(n):
        with con:
            con.execute("INSERT INTO t VALUES (?, ?, ?)", (guest, i, "x" * (i % 200)))
    con.close()


def check_sqlite(db, total):
    import sqlite3
    con = sqlite3.connect(db, timeout=120)
    mode = con.execute("PRAGMA journal_mode").fetchone()[0]
    count = con.execute("SELECT COUNT(*) FROM t").fetchone()[0]
    check = con.execute("PRAGMA integrity_check").fetchone()[0]
    print(f"sqlite: journal_mode={mode} rows={count} integrity_check={check}")
    if mode != "delete" or count != total or check != "ok":
        sys.exit(f"sqlite: want journal_mode=delete rows={total} integrity ok")


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "counter":
        counter(args[0], int(args[1]))
    elif cmd == "hold":
        hold(args[0], int(args[1]), int(args[2]), args[3], args[4],
             args[5] if len(args) > 5 else None)
    elif cmd == "hold-forever":
        hold(args[0], int(args[1]), int(args[2]), args[3], None)
    elif cmd == "wait":
        wait(args[0], int(args[1]), int(args[2]), args[3])
    elif cmd == "trylock":
        return trylock(args[0], int(args[1]), int(args[2]))
    elif cmd == "flock-try":
        return flock_try(args[0], args[1])
    elif cmd == "flock-hold":
        flock_hold(args[0], args[1], args[2], args[3])
    elif cmd == "shelve":
        shelve_updates(args[0], args[1], int(args[2]))
    elif cmd == "check-shelve":
        check_shelve(args[0], args[1].split(), int(args[2]))
    elif cmd == "sqlite":
        sqlite_inserts(args[0], args[1], int(args[2]))
    elif cmd == "check-sqlite":
        check_sqlite(args[0], int(args[1]))
    else:
        sys.exit(f"unknown command {cmd}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
