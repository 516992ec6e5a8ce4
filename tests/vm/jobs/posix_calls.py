"""The POSIX calls users make on an NFS mount, run by the guest's kernel client.

Usage (in a guest, as root): posix_calls.py MOUNTDIR
Each check prints "ok - NAME" or "FAIL - NAME: why"; all checks run, and the exit status
is the number of failed checks (capped at 100). Checks run as root and, where the point
is permission checking, in a forked child with uid/gid 1000.

The 2 GiB file is written sparsely (1 MiB at the start, across the 2^31 and 2^32 byte
boundaries and at the end) so the check takes seconds under emulation; the restart case
streams a large file end to end.
"""

import errno
import hashlib
import mmap
import os
import stat
import sys
import time
import traceback

MNT = sys.argv[1]
BASE = os.path.join(MNT, "posix")
USER = 1000
CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


def run_check(fn):
    t = time.monotonic()
    try:
        fn()
        print(f"ok - {fn.__name__} ({time.monotonic() - t:.2f}s)", flush=True)
        return True
    except Exception as e:  # report every failing check, keep going
        print(f"FAIL - {fn.__name__}: {e!r}", flush=True)
        traceback.print_exc(limit=3, file=sys.stdout)
        return False


def p(*names):
    return os.path.join(BASE, *names)


def expect_errno(codes, fn, *args):
    codes = codes if isinstance(codes, tuple) else (codes,)
    try:
        fn(*args)
    except OSError as e:
        if e.errno in codes:
            return
        raise AssertionError(f"{fn.__name__}{args}: errno {errno.errorcode.get(e.errno)}, "
                             f"expected {[errno.errorcode[c] for c in codes]}")
    raise AssertionError(f"{fn.__name__}{args} succeeded, expected "
                         f"{[errno.errorcode[c] for c in codes]}")


def eq(got, want, what):
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")


def write_file(path, data, mode=0o644):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
    finally:
        os.close(fd)


def read_file(path):
    with open(path, "rb") as f:
        return f.read()


def drop_caches():
    """Makes the next reads go to the server instead of the client's page cache."""
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


def as_user(fn):
    """Runs fn in a child process with uid/gid USER; raises what it raised."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        msg = b""
        try:
            os.setgroups([])
            os.setresgid(USER, USER, USER)
            os.setresuid(USER, USER, USER)
            fn()
        except BaseException as e:  # pass the failure to the parent
            msg = repr(e).encode()
        os.write(w, msg)
        os._exit(0)
    os.close(w)
    msg = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        msg += chunk
    os.close(r)
    os.waitpid(pid, 0)
    if msg:
        raise AssertionError(f"as uid {USER}: {msg.decode()}")


@check
def create_and_stat():
    before = time.time()
    fd = os.open(p("created"), os.O_WRONLY | os.O_CREAT, 0o640)
    os.close(fd)
    st = os.stat(p("created"))
    eq(stat.S_IFMT(st.st_mode), stat.S_IFREG, "type")
    eq(stat.S_IMODE(st.st_mode), 0o640, "mode")
    eq(st.st_size, 0, "size")
    eq((st.st_uid, st.st_gid), (0, 0), "owner of a file root created")
    eq(st.st_nlink, 1, "nlink")
    if abs(st.st_mtime - before) > 120:
        raise AssertionError(f"mtime {st.st_mtime} far from the client's clock {before}")


@check
def exclusive_create():
    fd = os.open(p("excl"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, b"mine")
    os.close(fd)
    expect_errno(errno.EEXIST, os.open, p("excl"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    eq(read_file(p("excl")), b"mine", "content after a refused O_EXCL")
    eq(stat.S_IMODE(os.stat(p("excl")).st_mode), 0o600, "mode of an O_EXCL file")


@check
def write_read_overwrite():
    data = os.urandom(3 * 1024 * 1024 + 12345)
    write_file(p("data"), data)
    eq(os.stat(p("data")).st_size, len(data), "size")
    drop_caches()
    eq(hashlib.sha256(read_file(p("data"))).hexdigest(), hashlib.sha256(data).hexdigest(),
       "content read back after dropping caches")
    fd = os.open(p("data"), os.O_RDWR)
    patch = b"X" * 70000
    os.pwrite(fd, patch, 1000000)
    os.fsync(fd)
    os.close(fd)
    drop_caches()
    want = data[:1000000] + patch + data[1000000 + len(patch):]
    got = read_file(p("data"))
    eq(len(got), len(want), "size after overwrite")
    if got != want:
        raise AssertionError("content after an overwrite in the middle differs")
    fd = os.open(p("data"), os.O_RDONLY)
    eq(os.pread(fd, 10, len(data) - 5), data[-5:], "short read at the end")
    eq(os.pread(fd, 10, len(data) + 100), b"", "read past the end")
    os.close(fd)


@check
def append():
    write_file(p("log"), b"first\n")
    a = os.open(p("log"), os.O_WRONLY | os.O_APPEND)
    b = os.open(p("log"), os.O_WRONLY | os.O_APPEND)
    for i in range(50):
        os.write(a, f"a{i}\n".encode())
        os.write(b, f"b{i}\n".encode())
    os.close(a)
    os.close(b)
    drop_caches()
    want = b"first\n" + b"".join(f"a{i}\nb{i}\n".encode() for i in range(50))
    eq(read_file(p("log")), want, "content after interleaved O_APPEND writes")


@check
def truncate():
    data = os.urandom(200000)
    write_file(p("trunc"), data)
    fd = os.open(p("trunc"), os.O_RDWR)
    os.ftruncate(fd, 1000)
    eq(os.fstat(fd).st_size, 1000, "size after ftruncate down")
    os.ftruncate(fd, 100000)
    os.close(fd)
    drop_caches()
    got = read_file(p("trunc"))
    eq(len(got), 100000, "size after ftruncate up")
    eq(got[:1000], data[:1000], "kept bytes")
    if got[1000:] != bytes(99000):
        raise AssertionError("bytes past the old end after truncate-down-then-up are not zero")
    os.truncate(p("trunc"), 0)
    eq(os.stat(p("trunc")).st_size, 0, "size after truncate(path, 0)")
    write_file(p("trunc"), b"abc")
    fd = os.open(p("trunc"), os.O_WRONLY | os.O_TRUNC)
    os.close(fd)
    eq(os.stat(p("trunc")).st_size, 0, "size after O_TRUNC")


@check
def rename_over_existing():
    write_file(p("ra"), b"new content")
    write_file(p("rb"), b"old content")
    keep = os.open(p("rb"), os.O_RDONLY)  # an open reader of the replaced file
    ino_a = os.stat(p("ra")).st_ino
    os.rename(p("ra"), p("rb"))
    expect_errno(errno.ENOENT, os.stat, p("ra"))
    eq(os.stat(p("rb")).st_ino, ino_a, "inode behind the target name")
    eq(read_file(p("rb")), b"new content", "content behind the target name")
    eq(os.pread(keep, 100, 0), b"old content", "an open fd of the replaced file")
    os.close(keep)
    os.mkdir(p("rdir1"))
    os.mkdir(p("rdir2"))
    write_file(p("rdir1", "f"), b"moved")
    os.rename(p("rdir1", "f"), p("rdir2", "g"))
    eq(read_file(p("rdir2", "g")), b"moved", "rename across directories")
    os.mkdir(p("rdir3"))
    os.rename(p("rdir2"), p("rdir3"))  # a directory over an empty directory
    eq(os.listdir(p("rdir3")), ["g"], "directory renamed over an empty one")
    expect_errno((errno.ENOTEMPTY, errno.EEXIST), os.rename, p("rdir1"), p("rdir3"))
    expect_errno(errno.EINVAL, os.rename, p("rdir3"), p("rdir3", "sub"))
    write_file(p("same"), b"x")
    os.rename(p("same"), p("same"))
    eq(read_file(p("same")), b"x", "rename onto itself")


@check
def hard_links():
    write_file(p("l1"), b"linked")
    os.link(p("l1"), p("l2"))
    s1, s2 = os.stat(p("l1")), os.stat(p("l2"))
    eq((s1.st_ino, s1.st_nlink), (s2.st_ino, 2), "ino and nlink of two links")
    eq(s1.st_nlink, 2, "nlink seen through the first name")
    os.link(p("l1"), p("l3"))
    eq(os.stat(p("l2")).st_nlink, 3, "nlink after a third link")
    expect_errno(errno.EEXIST, os.link, p("l1"), p("l2"))
    os.unlink(p("l1"))
    eq(os.stat(p("l2")).st_nlink, 2, "nlink after unlinking one name")
    eq(read_file(p("l3")), b"linked", "content through a remaining link")
    os.mkdir(p("ldir"))
    expect_errno(errno.EPERM, os.link, p("ldir"), p("ldir2"))
    # flufl.lock's pattern: create a unique file, link it to the lock name, check nlink.
    write_file(p("lock.unique"), b"host pid")
    os.link(p("lock.unique"), p("lock"))
    eq(os.stat(p("lock.unique")).st_nlink, 2, "nlink of a lock file after link()")
    expect_errno(errno.EEXIST, os.link, p("lock.unique"), p("lock"))


@check
def symlinks():
    write_file(p("target"), b"pointed at")
    os.symlink("target", p("sym"))
    eq(os.readlink(p("sym")), "target", "readlink")
    eq(stat.S_ISLNK(os.lstat(p("sym")).st_mode), True, "lstat type")
    eq(read_file(p("sym")), b"pointed at", "reading through a symlink")
    os.symlink("does/not/exist", p("dangling"))
    expect_errno(errno.ENOENT, os.stat, p("dangling"))
    long_target = "/" + "/".join(["d" * 200] * 5)
    os.symlink(long_target, p("longsym"))
    eq(os.readlink(p("longsym")), long_target, "a 1000-byte symlink target")
    expect_errno(errno.EEXIST, os.symlink, "x", p("sym"))
    os.symlink("../posix", p("dirsym"))
    eq("target" in os.listdir(p("dirsym")), True, "listing through a directory symlink")


@check
def mkdir_rmdir_readdir():
    os.mkdir(p("d"), 0o750)
    eq(stat.S_IMODE(os.stat(p("d")).st_mode), 0o750, "directory mode")
    expect_errno(errno.EEXIST, os.mkdir, p("d"))
    os.makedirs(p("d", "a", "b", "c"))
    write_file(p("d", "a", "file"), b"")
    expect_errno((errno.ENOTEMPTY, errno.EEXIST), os.rmdir, p("d", "a"))
    expect_errno(errno.ENOTDIR, os.rmdir, p("d", "a", "file"))
    os.rmdir(p("d", "a", "b", "c"))
    os.rmdir(p("d", "a", "b"))
    expect_errno(errno.ENOENT, os.stat, p("d", "a", "b"))
    os.mkdir(p("many"))
    names = {f"entry-{i:04d}-" + "n" * (i % 60) for i in range(600)}
    for n in names:
        os.close(os.open(p("many", n), os.O_CREAT | os.O_WRONLY, 0o644))
    eq(set(os.listdir(p("many"))), names, "readdir of 600 entries")
    for n in list(names)[:300]:
        os.unlink(p("many", n))
    eq(len(os.listdir(p("many"))), 300, "readdir after removing half")
    os.mkdir(p("n" * 255))
    expect_errno(errno.ENAMETOOLONG, os.mkdir, p("n" * 256))


@check
def chmod_chown_as_root():
    write_file(p("own"), b"x")
    os.chmod(p("own"), 0o4755)
    eq(stat.S_IMODE(os.stat(p("own")).st_mode), 0o4755, "mode with setuid")
    os.chmod(p("own"), 0o600)
    eq(stat.S_IMODE(os.stat(p("own")).st_mode), 0o600, "mode after chmod")
    os.chown(p("own"), USER, USER)
    st = os.stat(p("own"))
    eq((st.st_uid, st.st_gid), (USER, USER), "owner after chown by root")
    os.chown(p("own"), -1, 0)
    eq(os.stat(p("own")).st_gid, 0, "group after chown of the group only")


@check
def permissions_as_user():
    os.mkdir(p("home"), 0o755)
    os.chown(p("home"), USER, USER)
    write_file(p("rootonly"), b"secret", 0o600)
    os.chmod(p("rootonly"), 0o600)
    write_file(p("rootreadable"), b"public", 0o644)
    os.chmod(p("rootreadable"), 0o644)

    def user_side():
        write_file(p("home", "mine"), b"user data", 0o644)
        st = os.stat(p("home", "mine"))
        eq((st.st_uid, st.st_gid), (USER, USER), "owner of a file the user created")
        os.chmod(p("home", "mine"), 0o600)
        eq(stat.S_IMODE(os.stat(p("home", "mine")).st_mode), 0o600, "user's chmod")
        expect_errno(errno.EPERM, os.chown, p("home", "mine"), 0, 0)
        expect_errno(errno.EPERM, os.chmod, p("rootreadable"), 0o666)
        expect_errno(errno.EACCES, os.open, p("rootonly"), os.O_RDONLY)
        expect_errno(errno.EACCES, os.open, p("rootreadable"), os.O_WRONLY)
        eq(read_file(p("rootreadable")), b"public", "reading a 0644 file of root's")
        expect_errno(errno.EACCES, os.open, p("userfile"), os.O_WRONLY | os.O_CREAT, 0o644)
        expect_errno(errno.EACCES, os.unlink, p("rootreadable"))
        os.utime(p("home", "mine"), None)  # the owner may set the times to now
        expect_errno(errno.EPERM, os.utime, p("rootreadable"), (1, 1))
        os.chmod(p("home", "mine"), 0o000)
        expect_errno(errno.EACCES, os.open, p("home", "mine"), os.O_RDONLY)
        os.chmod(p("home", "mine"), 0o644)
        eq(read_file(p("home", "mine")), b"user data", "user reads back")

    as_user(user_side)
    eq(os.stat(p("home", "mine")).st_uid, USER, "owner seen by root")
    eq(read_file(p("rootonly")), b"secret", "root still reads its file")


@check
def utimes():
    write_file(p("times"), b"t")
    atime_ns = 1_500_000_000_123_456_789
    mtime_ns = 1_600_000_000_987_654_321
    os.utime(p("times"), ns=(atime_ns, mtime_ns))
    st = os.stat(p("times"))
    eq(st.st_mtime_ns, mtime_ns, "mtime with nanoseconds")
    eq(st.st_atime_ns, atime_ns, "atime with nanoseconds")
    os.utime(p("times"), None)
    st = os.stat(p("times"))
    if abs(st.st_mtime - time.time()) > 120:
        raise AssertionError(f"utime(None) gave mtime {st.st_mtime}, now is {time.time()}")
    before = os.stat(p("times"))
    time.sleep(0.05)
    fd = os.open(p("times"), os.O_WRONLY | os.O_APPEND)
    os.write(fd, b"more")
    os.close(fd)
    after = os.stat(p("times"))
    if not (after.st_mtime_ns > before.st_mtime_ns and after.st_ctime_ns > before.st_ctime_ns):
        raise AssertionError(f"a write did not move mtime/ctime: {before} -> {after}")
    dir_before = os.stat(BASE).st_mtime_ns
    time.sleep(0.05)
    write_file(p("times-new"), b"")
    if os.stat(BASE).st_mtime_ns <= dir_before:
        raise AssertionError("creating a file did not move the directory's mtime")


@check
def large_file_2gib():
    mib = 1024 * 1024
    chunks = {0: os.urandom(mib), (1 << 31) - mib // 2: os.urandom(mib),
              (1 << 32) - 4096: os.urandom(mib), (1 << 32) + 64 * mib: os.urandom(mib)}
    fd = os.open(p("big"), os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    for off, data in chunks.items():
        os.pwrite(fd, data, off)
    os.fsync(fd)
    os.close(fd)
    end = (1 << 32) + 65 * mib
    eq(os.stat(p("big")).st_size, end, "size of a file past 4 GiB")
    drop_caches()
    fd = os.open(p("big"), os.O_RDONLY)
    for off, data in chunks.items():
        eq(os.pread(fd, mib, off) == data, True, f"1 MiB read back at offset {off}")
    eq(os.pread(fd, 4096, 1 << 30), bytes(4096), "a hole reads as zeros")
    eq(os.pread(fd, 100, end - 50), chunks[(1 << 32) + 64 * mib][-50:], "tail")
    os.close(fd)
    os.truncate(p("big"), (1 << 31) + 10)
    eq(os.stat(p("big")).st_size, (1 << 31) + 10, "size after truncating to 2 GiB + 10")
    fd = os.open(p("big"), os.O_RDONLY)
    off = (1 << 31) - mib // 2
    eq(os.pread(fd, mib, off), chunks[off][:mib // 2 + 10], "bytes across 2^31 kept")
    os.close(fd)
    os.unlink(p("big"))


@check
def sparse_file():
    fd = os.open(p("sparse"), os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    os.pwrite(fd, b"end", 10 * 1024 * 1024)
    os.pwrite(fd, b"start", 0)
    os.close(fd)
    drop_caches()
    st = os.stat(p("sparse"))
    eq(st.st_size, 10 * 1024 * 1024 + 3, "size")
    with open(p("sparse"), "rb") as f:
        data = f.read()
    eq(data[:5], b"start", "head")
    eq(data[-3:], b"end", "tail")
    if data[5:-3] != bytes(len(data) - 8):
        raise AssertionError("the hole does not read as zeros")
    if st.st_blocks * 512 >= 2 * 1024 * 1024:
        raise AssertionError(f"a 10 MiB file with 8 bytes written uses {st.st_blocks} blocks")


@check
def mmap_read_write():
    size = 3 * 65536 + 100
    data = bytearray(os.urandom(size))
    write_file(p("mapped"), bytes(data))
    fd = os.open(p("mapped"), os.O_RDWR)
    m = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    eq(m[:] == bytes(data), True, "mmap read equals read()")
    m[10:20] = b"0123456789"
    m[size - 5:size] = b"ABCDE"
    data[10:20] = b"0123456789"
    data[size - 5:size] = b"ABCDE"
    m.flush()
    m.close()
    os.close(fd)
    drop_caches()
    eq(read_file(p("mapped")) == bytes(data), True, "content after mmap writes + msync")
    fd = os.open(p("mapped"), os.O_RDWR)
    os.ftruncate(fd, size + 70000)
    m = mmap.mmap(fd, size + 70000)
    m[size + 69999] = 0x7A
    m.close()  # no msync: munmap + close must still write back
    os.close(fd)
    drop_caches()
    got = read_file(p("mapped"))
    eq(len(got), size + 70000, "size after extending a mapped file")
    eq(got[-1], 0x7A, "byte written through a mapping of the extension")


@check
def unlink_open_file():
    write_file(p("busy"), b"still here")
    fd = os.open(p("busy"), os.O_RDONLY)
    os.unlink(p("busy"))
    expect_errno(errno.ENOENT, os.stat, p("busy"))
    eq(os.pread(fd, 100, 0), b"still here", "reading an unlinked open file")
    os.close(fd)


@check
def fsync_and_statvfs():
    fd = os.open(p("synced"), os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, b"durable")
    os.fsync(fd)
    os.fdatasync(fd)
    os.close(fd)
    sv = os.statvfs(MNT)
    if not (sv.f_blocks > 0 and 0 <= sv.f_bfree <= sv.f_blocks and sv.f_bavail <= sv.f_bfree):
        raise AssertionError(f"statvfs blocks: {sv}")
    if sv.f_bsize <= 0 or sv.f_namemax < 255:
        raise AssertionError(f"statvfs bsize/namemax: {sv}")
    if sv.f_files > 0 and sv.f_ffree > sv.f_files:
        raise AssertionError(f"statvfs files: {sv}")


def main():
    os.umask(0)
    os.makedirs(BASE, exist_ok=True)
    os.chmod(BASE, 0o755)  # only root may create entries here
    results = [run_check(fn) for fn in CHECKS]
    failed = results.count(False)
    print(f"posix checks: {len(results) - failed} ok, {failed} failing")
    sys.exit(min(failed, 100))


if __name__ == "__main__":
    main()
