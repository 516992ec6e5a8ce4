#!/usr/bin/python3
"""lose_unsynced_test.py LIB — the crash matrix's power-failure shim (tools/crashmatrix/
lose_unsynced.cc) must make a SIGKILL lose exactly the unsynced bytes of LevelDB logs: a
child process with LIB preloaded writes logs and other files and kills itself; the bytes
synced before the kill, the bytes of a closed log and every byte of other files are there,
the unsynced tail of an open log is not."""
import os
import subprocess
import sys
import tempfile

CHILD = r'''
import os, signal
def make(name):
    return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
log = make("000123.log")
os.write(log, b"first;"); os.fdatasync(log); os.write(log, b"lost")
log2 = make("000124.log")
os.write(log2, b"a;"); os.fsync(log2); os.write(log2, b"b;"); os.fdatasync(log2)
os.write(log2, b"lost too")
closed = make("000125.log")
os.write(closed, b"closed"); os.close(closed)
other = make("MANIFEST-000002")
os.write(other, b"kept")
info = make("x.log")  # not a LevelDB log name
os.write(info, b"kept too")
os.kill(os.getpid(), signal.SIGKILL)
'''


def main():
    lib = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, LD_PRELOAD=lib)
        r = subprocess.run([sys.executable, "-c", CHILD], cwd=d, env=env)
        if r.returncode != -9:
            print(f"child ended with {r.returncode}, expected SIGKILL")
            return 1
        want = {"000123.log": b"first;", "000124.log": b"a;b;", "000125.log": b"closed",
                "MANIFEST-000002": b"kept", "x.log": b"kept too"}
        failed = 0
        for name, content in want.items():
            with open(os.path.join(d, name), "rb") as f:
                got = f.read()
            if got != content:
                print(f"{name}: {got!r}, expected {content!r}")
                failed += 1
        print("ok" if failed == 0 else f"{failed} files wrong")
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
