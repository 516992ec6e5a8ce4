#!/usr/bin/python3
"""Kernel-client test harness: real Linux NFS clients in qemu guests against volumed.

One run of a case:
  1. installs missing Debian packages, builds/caches the guest image (guestimage.py);
  2. creates a network namespace `vmt<pid>-<rand>` with a bridge (the server's address)
     and one tap per guest, no uplink; starts rpcbind in a private mount namespace (its
     own tmpfs /run) inside it, and volumed in the same namespaces;
  3. boots every guest at once (qemu TCG under `timeout`), each running its job script
     with a unique hostname, rpcbind and rpc.statd;
  4. runs the case's host-side steps (restart or stop the server, delete a volume) when
     the guests ask for them through the shared 9p directory;
  5. collects each guest's output and exit status from its 9p results share, and tears
     everything down by PID — also on a hang (timeouts), a failure, SIGINT or SIGTERM.

Logs of the last run of each case stay in LOGS/<case>/ (server.log, and per guest
console.log, output, rc); the path is printed when a case fails.

A gateway case (Case.gateways = N) runs instead in the gateway test network of
tests/gateway/gateways.py: a hub namespace with a bridge and Ceph, N gateway machines each
with its own rpcbind and volumed (--store rados, one shared catalog) under keepalive.sh;
the guests' taps join the hub's bridge, so the guests reach every service address and the
gateways call the guests back. Its host steps act on run.net (a GatewayNet): kill a
gateway (run.kill_gateway), read the catalog, write through an address from the hub.

Usage: vmtest.py run CASE --build-dir DIR [--volumed PATH] [--volumectl PATH]
       vmtest.py prepare --build-dir DIR      (install packages, build the image)
       vmtest.py list

Not thread-safe: one Run per process.
"""

import argparse
import dataclasses
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "gateway"))
import guestimage  # noqa: E402
import vmcases  # noqa: E402
from gateways import GatewayNet, NetFailure  # noqa: E402
from netns_procs import (DIE_WITH_PARENT, anchor_exec, sh, start_rpcbind_anchor,  # noqa: E402
                         stop_process, wait_for)

HERE = os.path.dirname(os.path.abspath(__file__))
SRC_ROOT = os.path.dirname(os.path.dirname(HERE))
SUBNET = "10.213.7"  # exists only inside the run's own network namespace
SERVER_IP = f"{SUBNET}.1"
SERVER_NAME = "volserver"
NS_PREFIX = "vmt"
GW_SUBNET = "10.77.9"  # a gateway case's hub network (gateways.py: .1 hub, .1x service)
FAILED_GUEST_GRACE_S = 30  # the other guests' time to finish once one failed
# Every process the harness starts dies with its parent (netns_procs.DIE_WITH_PARENT), so
# that even a SIGKILLed harness leaves no guest or server running (its namespace is reaped
# by the next run).


def log(msg):
    print(f"vmtest: {msg}", file=sys.stderr, flush=True)


class CaseFailure(Exception):
    pass


class Interrupted(BaseException):
    pass


def _on_signal(signum, _frame):
    raise Interrupted(f"signal {signum}")


def host_tsc_khz():
    for line in open("/proc/cpuinfo"):
        if line.startswith("cpu MHz"):
            return int(float(line.split(":")[1]) * 1000)
    raise RuntimeError("no cpu MHz in /proc/cpuinfo")


def reap_stale_namespaces():
    """Deletes namespaces left by earlier runs whose harness process is gone."""
    r = sh("ip", "netns", "list", capture_output=True, text=True, check=False)
    for line in r.stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        if not name.startswith(NS_PREFIX) or "-" not in name:
            continue
        pid = name[len(NS_PREFIX):].split("-")[0]
        if not pid.isdigit():
            continue
        if not os.path.exists(f"/proc/{pid}"):
            log(f"deleting stale namespace {name}")
            sh("ip", "netns", "del", name, check=False)


class Guest:
    def __init__(self, run, index, spec):
        self.run = run
        self.index = index
        self.spec = spec
        self.name = f"g{index}-{run.tag}"  # unique per boot: NLM caller_name, NSM name
        self.ip = f"{run.subnet}.{run.guest_host_base + index}"
        self.tap = f"vt{run.tag}{index}"
        self.mac = "52:54:00:%02x:%02x:%02x" % (random.randrange(256), random.randrange(256),
                                                 10 + index)
        self.dir = os.path.join(run.logdir, f"g{index}")
        self.proc = None
        self.pidfile = os.path.join(run.workdir, f"qemu{index}.pid")
        self.started = None
        self.ended = None

    def rc(self):
        p = os.path.join(self.dir, "rc")
        if not os.path.exists(p):
            return None
        txt = open(p).read().strip()
        return int(txt) if txt.lstrip("-").isdigit() else None

    def output_tail(self, n=60):
        p = os.path.join(self.dir, "output")
        if not os.path.exists(p):
            return "(no output file)"
        lines = open(p, errors="replace").read().splitlines()
        return "\n".join(lines[-n:])

    def console_tail(self, n=25):
        p = os.path.join(self.dir, "console.log")
        if not os.path.exists(p):
            return "(no console log)"
        lines = open(p, errors="replace").read().splitlines()
        return "\n".join(lines[-n:])


class Run:
    """One case: namespace, server, guests, host steps, teardown."""

    failure = CaseFailure  # what a case's steps raise: `raise run.failure("why")`

    def __init__(self, case, args):
        self.case = case
        self.args = args
        self.tag = "%04x" % random.randrange(0x10000)
        self.ns = f"{NS_PREFIX}{os.getpid()}-{self.tag}"
        vmroot = os.path.join(os.path.abspath(args.build_dir), "tests", "vm")
        self.cache = os.path.join(vmroot, "cache")
        self.logdir = os.path.join(vmroot, "logs", case.name)
        self.workdir = os.path.join(vmroot, "work", f"{case.name}-{os.getpid()}")
        self.shared = os.path.join(self.workdir, "shared")
        self.datadir = os.path.join(self.workdir, "data")
        # A gateway case's guests sit beside the gateways' service addresses (.1x).
        self.subnet = GW_SUBNET if case.gateways else SUBNET
        self.guest_host_base = 50 if case.gateways else 10
        self.guests = [Guest(self, i + 1, g) for i, g in enumerate(case.guests)]
        self.net = None  # the GatewayNet of a gateway case
        self.killed_gateways = set()
        self.guest_env = {}  # set by a case's prepare(): overrides for every guest's env
        self.failed = False  # set by report_failure
        self.rpcbind = None
        self.server = None
        self.server_starts = 0
        self.server_killed_by_us = False
        self.ns_created = False
        self.server_log = os.path.join(self.logdir, "server.log")
        self.hosts_file = os.path.join(self.workdir, "hosts")

    # ----- set-up -------------------------------------------------------------------
    def prepare_dirs(self):
        shutil.rmtree(self.logdir, ignore_errors=True)
        shutil.rmtree(self.workdir, ignore_errors=True)
        os.makedirs(self.logdir)
        os.makedirs(self.shared)
        os.makedirs(self.datadir)
        os.chmod(self.shared, 0o1777)
        with open(self.hosts_file, "w") as f:
            if self.case.gateways:
                f.write("127.0.0.1 localhost\n")
                for i in range(1, self.case.gateways + 1):
                    f.write(f"{self.subnet}.{10 + i} gw{i}\n")
            else:
                f.write(f"127.0.0.1 localhost\n{SERVER_IP} {SERVER_NAME}\n")
            for g in self.guests:
                f.write(f"{g.ip} {g.name}\n")

    def make_network(self):
        if self.net is not None:  # the guests join the gateway network's hub bridge
            self.ns = self.net.hub
        else:
            sh("ip", "netns", "add", self.ns)
            self.ns_created = True
        n = ["ip", "-n", self.ns]
        if self.net is None:
            sh(*n, "link", "set", "lo", "up")
            sh(*n, "link", "add", "br0", "type", "bridge")
            sh(*n, "addr", "add", f"{SERVER_IP}/24", "dev", "br0")
            sh(*n, "link", "set", "br0", "up")
        for g in self.guests:
            sh(*n, "tuntap", "add", g.tap, "mode", "tap")
            sh(*n, "link", "set", g.tap, "master", "br0")
            sh(*n, "link", "set", g.tap, "up")

    def _in_ns(self):
        return ["nsenter", f"--net=/run/netns/{self.ns}"]

    def start_rpcbind(self):
        """rpcbind in the run's netns and a private mount namespace (its own /run, and
        the run's /etc/hosts); its PID anchors both (netns_procs.start_rpcbind_anchor)."""
        out = open(os.path.join(self.logdir, "rpcbind.log"), "w")
        self.rpcbind = start_rpcbind_anchor(
            self.ns, f"vmtest-{self.tag}.private", out, CaseFailure,
            setup=f"mount --bind {shlex.quote(self.hosts_file)} /etc/hosts && ")

    def _ns_exec(self):
        return anchor_exec(self.rpcbind)

    def _rpcinfo_ok(self, program=None):
        if self.rpcbind.poll() is not None:
            raise CaseFailure(f"rpcbind exited with {self.rpcbind.returncode}")
        r = subprocess.run(self._ns_exec() + ["rpcinfo", "-p", "127.0.0.1"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            return False
        return program is None or f" {program} " in r.stdout.replace("\t", " ")

    def server_cmd(self):
        if self.args.server_cmd:  # another NFSv3 server, to check a job against it
            return shlex.split(self.args.server_cmd.format(
                data=self.datadir, volumes=" ".join(self.case.volumes)))
        cmd = [self.args.volumed, "--data", self.datadir, "--listen", "0.0.0.0",
               "--log-level", "info"]
        for v in self.case.volumes:
            cmd += ["--volume", v]
        return cmd + list(self.case.server_args)

    def start_server(self):
        self.server_starts += 1
        out = open(self.server_log, "a")
        out.write(f"==== vmtest: {time.strftime('%T')} start #{self.server_starts}: "
                  f"{' '.join(self.server_cmd())}\n")
        out.flush()
        self.server = subprocess.Popen(self._ns_exec() + DIE_WITH_PARENT + self.server_cmd(),
                                       stdout=out,
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.server_killed_by_us = False

        def ready():
            if self.server.poll() is not None:
                raise CaseFailure(f"volumed exited with {self.server.returncode} at start")
            return self._rpcinfo_ok("100003") and self._rpcinfo_ok("100005")

        self._wait_for(ready, 20, "volumed did not register NFS and MOUNT with rpcbind")

    def start_gateways(self):
        """A gateway case: the gateway network (hub, Ceph, machines) and a volumed on
        every machine, each answering on its service address."""
        self.net = GatewayNet(self.args.volumed, self.args.volumectl,
                              workdir=os.path.join(self.workdir, "gateways"),
                              logdir=os.path.join(self.logdir, "gateways"),
                              subnet=GW_SUBNET, lease_s=self.case.lease_s,
                              extra_args=self.case.server_args)
        try:
            self.net.up(self.case.gateways)
            for i in range(1, self.case.gateways + 1):
                self.net.start(i)
        except NetFailure as e:
            raise CaseFailure(f"gateway network: {e}")

    def kill_gateway(self, i, sig=signal.SIGKILL):
        """Sends sig to gateway i's volumed and waits until its machine dropped its
        addresses (gateways.py kill); the run then expects it gone."""
        self.killed_gateways.add(i)
        try:
            return self.net.kill(i, sig)
        except NetFailure as e:
            raise CaseFailure(str(e))

    def pause_gateway(self, i):
        """SIGSTOPs gateway i's volumed; the run then expects it to exit (fenced) once
        continued."""
        self.killed_gateways.add(i)
        try:
            self.net.pause(i)
        except NetFailure as e:
            raise CaseFailure(str(e))

    def wait_gateway_exit(self, i, timeout):
        """Waits for gateway i's keepalive wrapper (volumed, then the address clean-up)
        to end; returns volumed's exit status."""
        try:
            rc = self.net.gateways[i].wrapper.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise CaseFailure(f"gw{i} still running {timeout} s after it should have exited")
        self.net.gateways[i].pid = None
        return rc

    def servers_problem(self):
        """Why the servers are not as the case left them (one that exited by itself),
        or None."""
        if self.server and self.server.poll() is not None and not self.server_killed_by_us:
            return f"volumed exited with {self.server.returncode} during the run"
        if self.net is not None:
            for i in self.net.gateways:
                if i not in self.killed_gateways and not self.net.running(i):
                    return f"gateway gw{i} exited during the run"
        return None

    def kill_server(self, sig=signal.SIGKILL):
        if self.server and self.server.poll() is None:
            self.server_killed_by_us = True
            with open(self.server_log, "a") as f:
                f.write(f"==== vmtest: {time.strftime('%T')} sending signal {int(sig)} to "
                        f"volumed (pid {self.server.pid})\n")
            os.kill(self.server.pid, sig)
            try:
                self.server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(self.server.pid, signal.SIGKILL)
                self.server.wait()

    def volumectl(self, *args):
        if not self.args.volumectl:
            raise CaseFailure("this case needs volumectl (--volumectl)")
        r = subprocess.run(self._ns_exec() + [self.args.volumectl] + list(args),
                           capture_output=True, text=True, timeout=60)
        with open(self.server_log, "a") as f:
            f.write(f"==== vmtest: volumectl {' '.join(args)} -> {r.returncode}\n"
                    f"{r.stdout}{r.stderr}")
        if r.returncode != 0:
            raise CaseFailure(f"volumectl {' '.join(args)} failed: {r.stderr.strip()}")
        return r.stdout

    # ----- guests -------------------------------------------------------------------
    def write_guest_files(self, g):
        os.makedirs(g.dir)
        shutil.copy(os.path.join(HERE, "guest_stage2.sh"), os.path.join(g.dir, "stage2.sh"))
        shutil.copy(self.hosts_file, os.path.join(g.dir, "hosts"))
        env = {
            "VMT_HOSTNAME": g.name,
            "VMT_IP": g.ip,
            "VMT_INDEX": str(g.index),
            "VMT_GUESTS": " ".join(x.name for x in self.guests),
            "VMT_SERVER": SERVER_IP,
            "VMT_VOLUMES": " ".join(self.case.volumes),
            "VMT_JOB": os.path.join(HERE, "jobs", g.spec.job),
            "VMT_LIB": os.path.join(HERE, "jobs", "lib.sh"),
            "VMT_SRC": SRC_ROOT,
            "VMT_BUILD": os.path.abspath(self.args.build_dir),
            "VMT_WORK": self.workdir,
            "VMT_SHARED": "/vmt/shared",
            "VMT_RESULTS": "/vmt/results",
            "VMT_MOUNT_OPTS": self.args.mount_opts or "",
        }
        env.update(self.guest_env)
        env.update(g.spec.env)
        with open(os.path.join(g.dir, "env"), "w") as f:
            for k, v in env.items():
                f.write(f"export {k}={shlex.quote(v)}\n")

    def boot(self, g, vmlinux, initrd):
        append = (f"console=ttyS0 quiet panic=-1 ipv6.disable=1 "
                  f"tsc_early_khz={host_tsc_khz()} rdinit=/init")
        qemu = [
            "qemu-system-x86_64", "-M", "microvm,acpi=on,rtc=on", "-accel", "tcg",
            "-m", str(g.spec.memory_mb), "-smp", "1", "-nodefaults", "-display", "none",
            "-no-reboot", "-pidfile", g.pidfile,
            "-serial", f"file:{os.path.join(g.dir, 'console.log')}",
            "-kernel", vmlinux, "-initrd", initrd, "-append", append,
            "-fsdev", "local,id=fs0,path=/,security_model=none,readonly=on,multidevs=remap",
            "-device", "virtio-9p-device,fsdev=fs0,mount_tag=hostroot",
            "-fsdev", f"local,id=fs1,path={g.dir},security_model=none",
            "-device", "virtio-9p-device,fsdev=fs1,mount_tag=results",
            "-fsdev", f"local,id=fs2,path={self.shared},security_model=none",
            "-device", "virtio-9p-device,fsdev=fs2,mount_tag=shared",
            "-netdev", f"tap,id=n0,ifname={g.tap},script=no,downscript=no",
            "-device", f"virtio-net-device,netdev=n0,mac={g.mac}",
        ]
        limit = g.spec.timeout or self.case.timeout
        cmd = (self._in_ns() + DIE_WITH_PARENT + ["timeout", "-k", "5", str(limit)]
               + DIE_WITH_PARENT + qemu)
        g.started = time.monotonic()
        g.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                  stdout=open(os.path.join(g.dir, "qemu.log"), "w"),
                                  stderr=subprocess.STDOUT)

    def guests_running(self):
        running = False
        for g in self.guests:
            if g.proc and g.proc.poll() is None:
                running = True
            elif g.proc and g.ended is None:
                g.ended = time.monotonic()
        return running

    # ----- host-side steps (called from vmcases) ------------------------------------
    def flag_path(self, name):
        return os.path.join(self.shared, name)

    def signal_guests(self, name):
        with open(self.flag_path(name) + ".tmp", "w") as f:
            f.write(f"{time.time()}\n")
        os.rename(self.flag_path(name) + ".tmp", self.flag_path(name))

    def wait_flag(self, name, timeout):
        """Waits for a guest to create shared/NAME; fails if every guest has stopped."""
        def seen():
            if os.path.exists(self.flag_path(name)):
                return True
            if not self.guests_running():
                raise CaseFailure(f"guests stopped before signalling '{name}'")
            return False
        self._wait_for(seen, timeout, f"no guest signalled '{name}' in {timeout}s")

    def _wait_for(self, pred, timeout, what):
        wait_for(pred, timeout, what, CaseFailure)

    def wait_until(self, pred, timeout, what):
        """Polls pred() every 0.1 s for a case's steps; CaseFailure(what) on timeout."""
        self._wait_for(pred, timeout, what)

    # ----- teardown -----------------------------------------------------------------
    def teardown(self):
        for g in self.guests:
            if g.proc and g.proc.poll() is None:
                try:
                    qpid = int(open(g.pidfile).read().strip())
                    os.kill(qpid, signal.SIGKILL)
                except (OSError, ValueError):
                    pass
                try:
                    g.proc.terminate()
                    g.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    g.proc.kill()
                    g.proc.wait()
        for p in (self.server, self.rpcbind):
            if p:
                stop_process(p)
        if self.net is not None:  # a failed case keeps Ceph's logs in LOGS/gateways/ceph
            self.net.teardown(keep_ceph_logs=self.failed)
        if self.ns_created:
            sh("ip", "netns", "del", self.ns, check=False)
            self.ns_created = False
        shutil.rmtree(self.workdir, ignore_errors=True)

    # ----- the whole case -----------------------------------------------------------
    def reboot_guest(self, g, job):
        """Power guest g off hard (SIGKILL to its qemu: no unmount, no unlock, statd never
        hears of it) and boot it again under the same hostname, address and tap, running
        job. The first boot's output and console stay in <logdir>/g<N>-boot1."""
        try:
            os.kill(int(open(g.pidfile).read().strip()), signal.SIGKILL)
        except (OSError, ValueError) as e:
            raise CaseFailure(f"{g.name}: cannot kill its qemu for the re-boot: {e}")
        g.proc.wait(timeout=30)
        boots = 1
        while os.path.exists(f"{g.dir}-boot{boots}"):
            boots += 1
        os.rename(g.dir, f"{g.dir}-boot{boots}")
        with open(self.server_log, "a") as f:
            f.write(f"==== vmtest: {time.strftime('%T')} {g.name} killed; booting it again "
                    f"with job {job}\n")
        g.spec = dataclasses.replace(g.spec, job=job)
        g.ended = None
        self.write_guest_files(g)
        self.boot(g, self.vmlinux, self.initrd)

    def execute(self, vmlinux, initrd):
        t0 = time.monotonic()
        self.vmlinux, self.initrd = vmlinux, initrd
        self.prepare_dirs()
        if self.case.gateways:
            self.start_gateways()
        self.make_network()
        if self.case.server:
            self.start_rpcbind()
            self.start_server()
        if self.case.prepare:
            self.case.prepare(self)
        for g in self.guests:
            self.write_guest_files(g)
        for g in self.guests:
            self.boot(g, vmlinux, initrd)
        if self.case.host_steps:
            self.case.host_steps(self)
        deadline = time.monotonic() + self.case.timeout + 30
        while self.guests_running():
            if self.servers_problem():
                raise CaseFailure(self.servers_problem())
            if time.monotonic() > deadline:
                break
            # A guest that failed decides the case: the others often wait for it (a lock
            # it never releases), so they get FAILED_GUEST_GRACE_S to finish, not the
            # whole timeout.
            failed = [g for g in self.guests if g.ended is not None and g.rc() is not None
                      and g.spec.expect_rc != "hang" and g.rc() != g.spec.expect_rc]
            if failed and time.monotonic() > min(g.ended for g in failed) + FAILED_GUEST_GRACE_S:
                log(f"{failed[0].name} failed; not waiting longer for the other guests")
                break
            time.sleep(0.2)
        problems = []
        if self.servers_problem():
            problems.append(self.servers_problem())
        for g in self.guests:
            rc = g.rc()
            took = (g.ended or time.monotonic()) - g.started
            want = g.spec.expect_rc
            if rc is None:
                got = "hang (no exit status: the guest timed out or crashed)"
            else:
                got = f"exit {rc}"
            ok = (want == "hang" and rc is None) or (rc is not None and rc == want)
            log(f"{g.name} ({g.spec.job}): {got} in {took:.1f}s"
                + ("" if ok else f", expected {want}"))
            if not ok:
                problems.append(f"{g.name} ({g.spec.job}): {got}, expected {want}")
            if g.spec.expect_output and g.spec.expect_output not in g.output_tail(10000):
                problems.append(f"{g.name}: output lacks '{g.spec.expect_output}'")
        log(f"case {self.case.name}: {time.monotonic() - t0:.1f}s")
        if problems:
            raise CaseFailure("; ".join(problems))

    def report_failure(self, why):
        self.failed = True
        log(f"FAILED {self.case.name}: {why}")
        for g in self.guests:
            print(f"---- {g.name} output (tail) ----\n{g.output_tail()}", file=sys.stderr)
            if g.rc() is None or g.rc() != g.spec.expect_rc:
                print(f"---- {g.name} console (tail) ----\n{g.console_tail()}",
                      file=sys.stderr)
        logs = [self.server_log]
        if self.net is not None:
            logs += [gw.log for gw in self.net.gateways.values()]
        for path in logs:
            if os.path.exists(path):
                tail = open(path, errors="replace").read().splitlines()[-30:]
                print(f"---- {os.path.basename(path)} (tail) ----\n" + "\n".join(tail),
                      file=sys.stderr)
        log(f"logs of this failing case: {self.logdir}")


def guest_init_script():
    return open(os.path.join(HERE, "guest_init.sh")).read()


def cmd_prepare(args):
    guestimage.ensure_packages()
    cache = os.path.join(args.build_dir, "tests", "vm", "cache")
    kver, vmlinux, initrd = guestimage.build_image(cache, guest_init_script())
    log(f"kernel {kver}: {vmlinux} {initrd}")
    return kver, vmlinux, initrd


def cmd_run(args):
    case = vmcases.CASES.get(args.case)
    if case is None:
        log(f"unknown case {args.case}; known: {' '.join(vmcases.CASES)}")
        return 2
    if os.geteuid() != 0:
        log("the VM tests need root (network namespaces, taps, apt-get)")
        return 1
    if (case.server or case.gateways) and not args.server_cmd and not (
            args.volumed and os.access(args.volumed, os.X_OK)):
        log(f"volumed not found at {args.volumed!r}")
        return 1
    if case.needs_volumectl and not (args.volumectl and os.access(args.volumectl, os.X_OK)):
        log(f"case {case.name} needs volumectl, not found at {args.volumectl!r}")
        return 1
    # nsenter --mount starts in the namespace anchor's cwd: pass absolute paths.
    for attr in ("volumed", "volumectl"):
        if getattr(args, attr):
            setattr(args, attr, os.path.abspath(getattr(args, attr)))
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    reap_stale_namespaces()
    _, vmlinux, initrd = cmd_prepare(args)
    run = Run(case, args)
    rc = 0
    try:
        run.execute(vmlinux, initrd)
        log(f"PASSED {case.name}; logs in {run.logdir}")
    except CaseFailure as e:
        run.report_failure(str(e))
        rc = 1
    except Interrupted as e:
        log(f"interrupted ({e}); tearing down")
        run.report_failure(f"interrupted by {e}")
        rc = 130
    except Exception as e:  # a harness bug must still tear down and keep the logs
        run.report_failure(f"harness error: {e!r}")
        rc = 1
    finally:
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
        run.teardown()
    return rc


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("case")
    r.add_argument("--build-dir", required=True)
    r.add_argument("--volumed")
    r.add_argument("--volumectl")
    r.add_argument("--mount-opts", help="extra NFS mount options for every guest mount")
    r.add_argument("--server-cmd", help="run this NFSv3 server instead of volumed, e.g. to "
                   "check a job against a reference server; {data} and {volumes} are "
                   "replaced by the data directory and the case's volume names")
    pr = sub.add_parser("prepare")
    pr.add_argument("--build-dir", required=True)
    sub.add_parser("list")
    args = p.parse_args()
    if args.cmd == "list":
        for name, c in vmcases.CASES.items():
            print(f"{name}: {c.doc}")
        return 0
    if args.cmd == "prepare":
        cmd_prepare(args)
        return 0
    return cmd_run(args)


if __name__ == "__main__":
    sys.exit(main())
