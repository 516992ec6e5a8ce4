"""Host packages and the guest boot image for the kernel-client tests.

The guest is the Debian kernel under qemu (software emulation) with a busybox initramfs
that loads the virtio, 9p, overlay and NFSv3 client modules, then switches to the host's
own root filesystem shared read-only over 9p (see shared/VMTEST.md). This module:
  * installs the Debian packages the VM layer needs, once, under a machine-wide lock;
  * finds the installed kernel version (never hard-coded);
  * builds and caches, per kernel version, the decompressed `vmlinux` and the initramfs.

Cache layout (CACHE is a directory in the build tree):
  CACHE/<kernel version>/vmlinux      ELF kernel extracted from /boot/vmlinuz-<ver>
  CACHE/<kernel version>/initrd.cpio  newc cpio: busybox, modules, /init
  CACHE/<kernel version>/stamp        written last; its content is IMAGE_FORMAT

Not thread-safe within a process; safe across processes (fcntl locks).
"""

import fcntl
import gzip
import lzma
import os
import re
import subprocess
import sys
import tempfile

# Bump when the initramfs contents or /init change, so stale caches are rebuilt.
IMAGE_FORMAT = "vmtest-image-3"

# package -> a path it installs that we use (presence means the package is usable).
PACKAGES = {
    "qemu-system-x86": "/usr/bin/qemu-system-x86_64",
    "linux-image-amd64": None,  # checked through dpkg
    "busybox-static": "/bin/busybox",
    "nfs-common": "/sbin/mount.nfs",
    "rpcbind": "/usr/sbin/rpcbind",
    "iproute2": "/usr/sbin/ip",
    "python3-flufl.lock": "/usr/lib/python3/dist-packages/flufl/lock/__init__.py",
    "util-linux": "/usr/bin/nsenter",
    "kmod": None,
    "rsync": "/usr/bin/rsync",
    "git": "/usr/bin/git",
    "make": "/usr/bin/make",
    "gcc": "/usr/bin/gcc",
    "coreutils": "/usr/bin/timeout",
}

# Modules the guest needs, loaded with their dependencies in modules.dep order.
GUEST_MODULES = [
    "virtio_mmio", "virtio_net", "9pnet_virtio", "9p", "overlay", "nfsv3",
]
# Extra insmod arguments: pin the client's lock manager port (VMTEST.md §1).
MODULE_ARGS = {"lockd": "nlm_tcpport=4045 nlm_udpport=4045"}

APT_LOCK = "/tmp/volumed-vmtest-apt.lock"


def log(msg):
    print(f"vmtest: {msg}", file=sys.stderr, flush=True)


def _dpkg_installed(pkg):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg],
                       capture_output=True, text=True)
    return r.returncode == 0 and "install ok installed" in r.stdout


def _missing_packages():
    missing = []
    for pkg, path in PACKAGES.items():
        if path is not None and os.path.exists(path) and _dpkg_installed(pkg):
            continue
        if path is None and _dpkg_installed(pkg):
            continue
        missing.append(pkg)
    return missing


def ensure_packages():
    """Installs the missing Debian packages with apt-get (needs root)."""
    if not _missing_packages():
        return
    with open(APT_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        missing = _missing_packages()
        if not missing:
            return
        log(f"installing Debian packages: {' '.join(missing)}")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + missing,
                       env=env, check=True, stdout=subprocess.DEVNULL)
        still = _missing_packages()
        if still:
            raise RuntimeError(f"packages still missing after apt-get: {still}")


def _version_key(v):
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", v)]


def kernel_version():
    """The installed Debian kernel: the one linux-image-amd64 depends on, else the newest
    /boot/vmlinuz-* that has its modules."""
    r = subprocess.run(["dpkg-query", "-W", "-f=${Depends}", "linux-image-amd64"],
                       capture_output=True, text=True)
    m = re.search(r"linux-image-(\S+?)(?:-unsigned)?(?:\s|,|$)", r.stdout)
    if m:
        ver = m.group(1)
        if os.path.exists(f"/boot/vmlinuz-{ver}") and os.path.isdir(f"/lib/modules/{ver}"):
            return ver
    versions = [f[len("vmlinuz-"):] for f in os.listdir("/boot") if f.startswith("vmlinuz-")]
    versions = [v for v in versions if os.path.isdir(f"/lib/modules/{v}")]
    if not versions:
        raise RuntimeError("no installed kernel with modules under /boot and /lib/modules")
    return max(versions, key=_version_key)


def _extract_vmlinux(vmlinuz, out):
    """bzImage → ELF: find the compressed payload by magic and decompress it."""
    data = open(vmlinuz, "rb").read()
    candidates = [
        (b"\xfd7zXZ\x00", lambda d: lzma.LZMADecompressor(lzma.FORMAT_XZ).decompress(d)),
        (b"\x1f\x8b\x08", lambda d: gzip.GzipFile(fileobj=__import__("io").BytesIO(d)).read()),
        (b"\x28\xb5\x2f\xfd", None),  # zstd: via the zstd program
    ]
    for magic, decompress in candidates:
        pos = data.find(magic)
        while pos >= 0:
            try:
                if decompress is None:
                    r = subprocess.run(["zstd", "-dc"], input=data[pos:], capture_output=True)
                    elf = r.stdout
                else:
                    elf = decompress(data[pos:])
            except (lzma.LZMAError, OSError, EOFError, FileNotFoundError):
                elf = b""
            if elf[:4] == b"\x7fELF":
                with open(out, "wb") as f:
                    f.write(elf)
                return
            pos = data.find(magic, pos + 1)
    raise RuntimeError(f"could not extract an ELF kernel from {vmlinuz}")


def _read_module(path):
    """Module bytes, decompressed (busybox insmod takes plain .ko files)."""
    raw = open(path, "rb").read()
    if path.endswith(".xz"):
        return lzma.decompress(raw)
    if path.endswith(".gz"):
        return gzip.decompress(raw)
    if path.endswith(".zst"):
        return subprocess.run(["zstd", "-dc"], input=raw, capture_output=True,
                              check=True).stdout
    return raw


def _module_order(moddir):
    """Module files to load, dependencies first, for GUEST_MODULES."""
    deps = {}
    by_name = {}
    for line in open(os.path.join(moddir, "modules.dep")):
        path, _, rest = line.partition(":")
        deps[path] = rest.split()
        name = re.sub(r"\.ko(\.\w+)?$", "", os.path.basename(path)).replace("-", "_")
        by_name[name] = path
    builtin = set()
    bpath = os.path.join(moddir, "modules.builtin")
    if os.path.exists(bpath):
        for line in open(bpath):
            builtin.add(re.sub(r"\.ko$", "", os.path.basename(line.strip())).replace("-", "_"))
    order = []
    seen = set()

    def visit(path):
        if path in seen:
            return
        seen.add(path)
        for d in deps.get(path, []):
            visit(d)
        order.append(path)

    for name in GUEST_MODULES:
        if name in by_name:
            visit(by_name[name])
        elif name not in builtin:
            raise RuntimeError(f"kernel module {name} neither in modules.dep nor built in")
    return order


class _Cpio:
    """Writes a newc cpio archive (the initramfs format)."""

    def __init__(self, f):
        self.f = f
        self.ino = 1
        self.off = 0

    def _write(self, b):
        self.f.write(b)
        self.off += len(b)

    def _pad(self):
        if self.off % 4:
            self._write(b"\0" * (4 - self.off % 4))

    def entry(self, name, mode, data=b"", nlink=1):
        name_b = name.encode() + b"\0"
        hdr = "070701" + "".join(f"{v:08X}" for v in [
            self.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(name_b), 0])
        self.ino += 1
        self._write(hdr.encode())
        self._write(name_b)
        self._pad()
        self._write(data)
        self._pad()

    def dir(self, name):
        self.entry(name, 0o040755, nlink=2)

    def file(self, name, data, mode=0o100644):
        self.entry(name, mode, data)

    def symlink(self, name, target):
        self.entry(name, 0o120777, target.encode())

    def trailer(self):
        self.entry("TRAILER!!!", 0)


def _write_initramfs(out, kver, init_script):
    moddir = f"/lib/modules/{kver}"
    order = _module_order(moddir)
    applets = subprocess.run(["/bin/busybox", "--list"], capture_output=True, text=True,
                             check=True).stdout.split()
    with open(out, "wb") as f:
        c = _Cpio(f)
        for d in ["bin", "dev", "proc", "sys", "mnt", "newroot", "lib", "lib/modules"]:
            c.dir(d)
        c.entry("dev/console", 0o020600)  # char device 5:1 is fixed up by devtmpfs mount
        c.file("bin/busybox", open("/bin/busybox", "rb").read(), 0o100755)
        for a in applets:
            if a != "busybox" and "/" not in a:
                c.symlink(f"bin/{a}", "busybox")
        load = []
        for i, rel in enumerate(order):
            base = re.sub(r"\.ko(\.\w+)?$", "", os.path.basename(rel))
            name = f"lib/modules/{i:02d}-{base}.ko"
            c.file(name, _read_module(os.path.join(moddir, rel)))
            load.append(f"insmod /{name} {MODULE_ARGS.get(base.replace('-', '_'), '')}".rstrip())
        c.file("init", init_script.replace("@INSMOD@", "\n".join(load)).encode(), 0o100755)
        c.trailer()


def build_image(cache_dir, init_script):
    """Returns (kernel version, vmlinux path, initrd path), building them if needed."""
    kver = kernel_version()
    d = os.path.join(cache_dir, kver)
    os.makedirs(d, exist_ok=True)
    stamp = os.path.join(d, "stamp")
    vmlinux = os.path.join(d, "vmlinux")
    initrd = os.path.join(d, "initrd.cpio")
    want = IMAGE_FORMAT + "\n" + init_script
    with open(os.path.join(d, "lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(stamp) and open(stamp).read() == want:
            return kver, vmlinux, initrd
        log(f"building guest image for kernel {kver} in {d}")
        if os.path.exists(stamp):
            os.unlink(stamp)
        with tempfile.NamedTemporaryFile(dir=d, delete=False) as t:
            tmp = t.name
        _extract_vmlinux(f"/boot/vmlinuz-{kver}", tmp)
        os.replace(tmp, vmlinux)
        with tempfile.NamedTemporaryFile(dir=d, delete=False) as t:
            tmp = t.name
        _write_initramfs(tmp, kver, init_script)
        os.replace(tmp, initrd)
        with open(stamp, "w") as f:
            f.write(want)
    return kver, vmlinux, initrd


if __name__ == "__main__":
    ensure_packages()
    print(kernel_version())
