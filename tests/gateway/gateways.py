#!/usr/bin/python3
"""The test network for gateways (issue 18, README "Scaling out"): no VMs, only namespaces.

    hub netns  gwh<pid>          bridge br0 = SUBNET.1/24: the Ceph cluster (mon + OSD on
                                 memstore, tests/support/ceph_cluster.sh bound to SUBNET.1)
                                 and the test client (rpcinfo, libnfs, volumectl) live here
    machine i  gwm<pid>-<i>      one per gateway, "its machine": veth vgw<i> (its own address
                                 SUBNET.(100+i)/24) whose peer hgw<i> is on the hub's bridge,
                                 its own rpcbind with a private /run, and volumed under
                                 keepalive.sh, which drops every address volumed added
                                 (label vgw<i>:vd) once volumed exits, kill -9 included

Gateway i runs `volumed --store rados --ceph-gateway-id gw<i> --service-address
SUBNET.(10+i)/24 --service-interface vgw<i>` (and the flags tests/support/server_process.cc
gives a RADOS test server). Clients mount SUBNET.(10+i):/NAME.

Use from a test (run the script under tests/support/netns_run.sh, so that the named
namespaces live in a private /run and vanish with the test):

    with GatewayNet(volumed=..., volumectl=..., workdir=...) as net:
        net.up(gateways=2)                  # hub, Ceph, machines; no volumed yet
        net.start(1); net.start(2)          # each waits until it answers on its address
        net.rpcinfo(net.service_ip(1), "nfs", 3)   # from the hub: True/False
        net.udp_null(net.service_ip(1), 20048, 100005, 3)  # reply from that address?
        net.volumectl(1, "create", "data")  # admin over gw1's socket, run in the hub
        net.volumectl(2, "list", tcp=True)  # admin over TCP (GatewayNet(admin_tcp_port=N))
        net.placement(1)                    # {"data": ("gw1", "10.77.0.11")}: owner, address
        net.wait_members(1)                 # until gw1 sees every running gateway live
        net.up_members(2)                   # up(2), start(1), start(2), wait_members(1)
        net.client("nfs-ls", "nfs://10.77.0.11/data")   # any command in the hub
        net.kill(2)                         # kill -9; returns once keepalive cleaned up
        net.pause(1); net.resume(1)         # SIGSTOP / SIGCONT
        net.addresses(1)                    # ["10.77.0.11/24", ...] labelled :vd on vgw1
        net.move_address("10.77.0.12/24", to=1)   # what the failover coordinator does
        net.holders("10.77.0.12/24")        # [1] once gw1 took gw2's address over
        net.wait_answers("10.77.0.12", 60)  # ms until NFS answers there again

Teardown (leaving the `with`, or teardown()) always runs: volumed and the wrappers and
rpcbinds by PID, the Ceph daemons by their PID files, the namespaces, the work directory
(logs are kept in LOGDIR: gw<i>.log, rpcbind-<i>.log, ceph/*.log on failure).

Not thread-safe: one GatewayNet per process, driven by one thread.
"""

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC_ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SRC_ROOT, "tests", "support"))
# Every process the harness starts dies with its parent (DIE_WITH_PARENT: a SIGKILLed
# harness leaves no volumed or rpcbind; its namespaces go with netns_run.sh's private /run).
from netns_procs import (DIE_WITH_PARENT, anchor_exec, sh, start_rpcbind_anchor,  # noqa: E402
                         stop_process, wait_for)

CEPH_CLUSTER = os.path.join(SRC_ROOT, "tests", "support", "ceph_cluster.sh")
KEEPALIVE = os.path.join(HERE, "keepalive.sh")
CEPH_POOL = "volumed"
CEPH_USER = "volumed"  # the gateway user of ceph_cluster.sh: no admin caps


def log(msg):
    print(f"gateways: {time.strftime('%T')} {msg}", file=sys.stderr, flush=True)


class NetFailure(Exception):
    pass


def check(cond, what):
    """A test's assertion: NetFailure(what) unless cond."""
    if not cond:
        raise NetFailure(what)


class Gateway:
    """One machine of the test network and the volumed on it (pid None when not running)."""

    def __init__(self, net, index):
        self.net = net
        self.index = index
        self.id = f"gw{index}"
        self.ns = f"{net.ns_prefix}m-{index}"
        self.interface = f"vgw{index}"  # in the machine
        self.hub_end = f"hgw{index}"    # on the hub's bridge
        self.machine_ip = f"{net.subnet}.{100 + index}"
        self.service_ip = f"{net.subnet}.{10 + index}"
        self.dir = os.path.join(net.workdir, self.id)
        self.data = os.path.join(self.dir, "data")
        self.admin_socket = os.path.join(self.dir, "admin.sock")
        self.pidfile = os.path.join(self.dir, "volumed.pid")
        self.log = os.path.join(net.logdir, f"{self.id}.log")
        self.rpcbind = None   # Popen: the machine's anchor (its net + private mount ns)
        self.wrapper = None   # Popen: keepalive.sh running volumed
        self.pid = None       # volumed's PID while it runs

    def ns_exec(self):
        return anchor_exec(self.rpcbind)


class GatewayNet:
    """The hub, the machines, Ceph and the gateways of one test (see the module doc)."""

    def __init__(self, volumed, volumectl, workdir, logdir, subnet="10.77.0", lease_s=10,
                 shared_namespace=True, extra_args=(), address_tool=None, admin_tcp_port=None):
        """shared_namespace: every gateway uses the same --ceph-namespace (the design:
        one catalog for all); False gives each its own, i.e. independent stores.
        address_tool: tests/gateway/address_tool (build dir), for move_address.
        admin_tcp_port: every gateway also serves admin on this TCP port (one shared
        secret), so volumectl(..., tcp=True) reaches any gateway from the hub."""
        self.volumed = os.path.abspath(volumed)
        self.volumectl_bin = os.path.abspath(volumectl) if volumectl else None
        self.address_tool = os.path.abspath(address_tool) if address_tool else None
        self.tag = "%04x" % random.randrange(0x10000)
        self.ns_prefix = f"gw{os.getpid()}{self.tag}"
        self.hub = f"{self.ns_prefix}h"
        self.workdir = os.path.abspath(workdir)
        self.logdir = os.path.abspath(logdir)
        self.subnet = subnet
        self.hub_ip = f"{subnet}.1"
        self.lease_s = lease_s
        self.shared_namespace = shared_namespace
        self.extra_args = list(extra_args)
        self.admin_tcp_port = admin_tcp_port
        self.admin_secret = os.path.join(self.workdir, "admin.secret")
        self.ceph_dir = os.path.join(self.workdir, "ceph")
        self.ceph_conf = os.path.join(self.ceph_dir, "ceph.conf")
        self.ceph_up = False
        self.namespaces = []
        self.gateways = {}
        self.timings = {}

    # ----- context ------------------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.teardown(keep_ceph_logs=exc_type is not None)
        return False

    # ----- set-up -------------------------------------------------------------------
    def up(self, gateways):
        """The hub (bridge + Ceph) and `gateways` machines, each with rpcbind; no volumed."""
        t0 = time.monotonic()
        shutil.rmtree(self.logdir, ignore_errors=True)
        os.makedirs(self.logdir)
        os.makedirs(self.workdir, exist_ok=False)
        with open(os.open(self.admin_secret, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write("%032x\n" % random.getrandbits(128))
        self._add_ns(self.hub)
        h = ["ip", "-n", self.hub]
        sh(*h, "link", "set", "lo", "up")
        # A fixed MAC: a bridge without one takes the lowest of its ports', so it changes
        # when guests' taps join later, and the gateway machines' ARP entries for the hub
        # (Ceph) then point at a MAC nobody has until they expire — their RADOS clients
        # went silent for ~50 s and lost their leases (seen in CI).
        sh(*h, "link", "add", "br0", "address", "02:76:64:00:00:01", "type", "bridge")
        sh(*h, "addr", "add", f"{self.hub_ip}/24", "dev", "br0")
        sh(*h, "link", "set", "br0", "up")
        for i in range(1, gateways + 1):
            self._make_machine(Gateway(self, i))
        self.timings["network_ms"] = ms_since(t0)
        t1 = time.monotonic()
        self._start_ceph()
        self.timings["ceph_ms"] = ms_since(t1)
        log(f"up: {gateways} machines in {self.timings['network_ms']} ms, "
            f"Ceph on {self.hub_ip} in {self.timings['ceph_ms']} ms")

    def _add_ns(self, name):
        sh("ip", "netns", "add", name)
        self.namespaces.append(name)

    def _make_machine(self, gw):
        self.gateways[gw.index] = gw
        os.makedirs(gw.dir)
        self._add_ns(gw.ns)
        sh("ip", "-n", gw.ns, "link", "set", "lo", "up")
        sh("ip", "-n", self.hub, "link", "add", gw.hub_end, "type", "veth", "peer", "name",
           gw.interface, "netns", gw.ns)
        sh("ip", "-n", self.hub, "link", "set", gw.hub_end, "master", "br0")
        sh("ip", "-n", self.hub, "link", "set", gw.hub_end, "up")
        sh("ip", "-n", gw.ns, "addr", "add", f"{gw.machine_ip}/24", "dev", gw.interface)
        sh("ip", "-n", gw.ns, "link", "set", gw.interface, "up")
        self._start_rpcbind(gw)

    def _start_rpcbind(self, gw):
        """rpcbind in the machine's netns with a private /run; its PID anchors both."""
        out = open(os.path.join(self.logdir, f"rpcbind-{gw.index}.log"), "w")
        gw.rpcbind = start_rpcbind_anchor(gw.ns, f"gateways-{self.tag}-{gw.index}.private", out,
                                          NetFailure)

    def _start_ceph(self):
        for tool in ("ceph-mon", "ceph-osd", "ceph-authtool", "monmaptool", "ceph", "rados",
                     "uuidgen"):
            if shutil.which(tool) is None:
                raise NetFailure(f"{tool} is not installed (tools/install-deps.sh test)")
        env = dict(os.environ, CEPH_BIND_ADDR=self.hub_ip, CEPH_POOL=CEPH_POOL)
        self.ceph_up = True  # from here on, teardown stops whatever did start
        r = subprocess.run(["ip", "netns", "exec", self.hub, CEPH_CLUSTER, "up", self.ceph_dir,
                            "memstore"], env=env, capture_output=True, text=True)
        if r.returncode != 0:
            raise NetFailure(f"the Ceph cluster did not start:\n{r.stdout}{r.stderr}")

    # ----- gateways -----------------------------------------------------------------
    def service_ip(self, i):
        return self.gateways[i].service_ip

    def service_address(self, i):
        return f"{self.gateways[i].service_ip}/24"

    def volumed_argv(self, gw, extra=()):
        namespace = "gateways" if self.shared_namespace else f"gateways-{gw.id}"
        return [self.volumed, "--config", "", "--data", gw.data, "--listen", "0.0.0.0",
                "--admin-socket", gw.admin_socket, "--log-level", "info",
                "--store", "rados", "--ceph-conf", self.ceph_conf, "--ceph-pool", CEPH_POOL,
                "--ceph-user", CEPH_USER, "--ceph-namespace", namespace,
                "--ceph-gateway-id", gw.id, "--ceph-lease", str(self.lease_s),
                "--service-address", self.service_address(gw.index),
                "--service-interface", gw.interface] + self.admin_tcp_args() + \
            self.extra_args + list(extra)

    def admin_tcp_args(self):
        if self.admin_tcp_port is None:
            return []
        return ["--admin-tcp-port", str(self.admin_tcp_port),
                "--admin-secret-file", self.admin_secret]

    def up_members(self, gateways):
        """up(gateways), volumed on every machine, and gateway 1 seeing all of them live
        (placement counts only gateways whose record is live)."""
        self.up(gateways)
        for i in range(1, gateways + 1):
            self.start(i)
        self.wait_members(1)

    def start(self, i, extra=(), timeout=30):
        """Starts volumed on machine i under keepalive.sh; returns once NFS and MOUNT
        answer NULL on its service address from the hub (ms taken)."""
        gw = self.gateways[i]
        if gw.wrapper is not None and gw.wrapper.poll() is None:
            raise NetFailure(f"{gw.id} is already running")
        t0 = time.monotonic()
        argv = self.volumed_argv(gw, extra)
        with open(gw.log, "a") as out:
            out.write(f"==== gateways: {time.strftime('%T')} start: {' '.join(argv)}\n")
        out = open(gw.log, "a")
        gw.wrapper = subprocess.Popen(
            gw.ns_exec() + DIE_WITH_PARENT + [KEEPALIVE, gw.pidfile] + DIE_WITH_PARENT + argv,
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        out.close()

        def pid_written():
            try:
                return open(gw.pidfile).read().strip().isdigit()
            except FileNotFoundError:
                return False

        def ready():
            if gw.wrapper.poll() is not None:
                raise NetFailure(f"{gw.id} exited with {gw.wrapper.returncode} at start; "
                                 f"log:\n{tail(gw.log)}")
            # The pid too: when another gateway holds this one's address, the address
            # answers before keepalive.sh has even written it.
            return (pid_written() and self.rpcinfo(gw.service_ip, "nfs", 3)
                    and self.rpcinfo(gw.service_ip, "mountd", 3))

        wait_for(ready, timeout, f"{gw.id} did not answer on {gw.service_ip}; "
                                 f"log:\n{tail(gw.log)}", NetFailure)
        gw.pid = int(open(gw.pidfile).read().strip())
        took = ms_since(t0)
        log(f"{gw.id} (pid {gw.pid}) answers on {gw.service_ip} after {took} ms")
        return took

    def send_signal(self, i, sig):
        gw = self.gateways[i]
        if gw.pid is None:
            raise NetFailure(f"{gw.id} is not running")
        with open(gw.log, "a") as out:
            out.write(f"==== gateways: {time.strftime('%T')} signal {int(sig)} to volumed "
                      f"(pid {gw.pid})\n")
        os.kill(gw.pid, sig)

    def kill(self, i, sig=signal.SIGKILL, timeout=30):
        """Sends `sig` (default kill -9) to gateway i's volumed and waits until it and its
        keepalive wrapper are gone (the wrapper has dropped the addresses). Returns
        volumed's exit status as the wrapper saw it (128+signal for a signal)."""
        gw = self.gateways[i]
        self.send_signal(i, sig)
        try:
            rc = gw.wrapper.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise NetFailure(f"{gw.id} still running {timeout}s after signal {int(sig)}")
        gw.pid = None
        return rc

    def pause(self, i):
        self.send_signal(i, signal.SIGSTOP)

    def resume(self, i):
        self.send_signal(i, signal.SIGCONT)

    def running(self, i):
        gw = self.gateways[i]
        return gw.wrapper is not None and gw.wrapper.poll() is None

    def addresses(self, i):
        """The service addresses (labelled INTERFACE:vd) on machine i's interface."""
        gw = self.gateways[i]
        r = sh("ip", "-n", gw.ns, "-o", "-4", "addr", "show", "dev", gw.interface, "label",
               f"{gw.interface}:vd", capture_output=True, text=True)
        return [line.split()[3] for line in r.stdout.splitlines() if " inet " in line]

    def move_address(self, address, to):
        """Adds `address` ("10.77.0.12/24") to machine `to`'s interface and announces it,
        as the failover coordinator does in volumed (through address_tool, i.e. the same
        InterfaceAddresses). Labelled, so `to`'s keepalive.sh drops it when its volumed
        exits. Returns the ms taken (the announce is about one second of it)."""
        if self.address_tool is None:
            raise NetFailure("move_address needs address_tool")
        gw = self.gateways[to]
        t0 = time.monotonic()
        self._logged(gw, gw.ns_exec(), [self.address_tool, "add", gw.interface, address], True)
        return ms_since(t0)

    def _logged(self, gw, prefix, cmd, check):
        """Runs prefix + cmd, notes it and its output in gw's log; NetFailure when it
        fails and `check`."""
        r = subprocess.run(prefix + cmd, capture_output=True, text=True, timeout=60)
        name = " ".join([os.path.basename(cmd[0])] + cmd[1:])
        with open(gw.log, "a") as out:
            out.write(f"==== gateways: {time.strftime('%T')} {name} -> {r.returncode}\n"
                      f"{r.stdout}{r.stderr}")
        if check and r.returncode != 0:
            raise NetFailure(f"{name} on {gw.id}'s machine failed: {r.stderr.strip()}")
        return r

    def holders(self, address):
        """The gateways (indexes) whose machine holds `address` ("10.77.0.12/24")."""
        return [i for i in self.gateways if address in self.addresses(i)]

    def wait_answers(self, address, timeout, program="nfs", version=3):
        """Waits until `program` answers NULL at `address` from the hub; returns the ms
        taken (for failover timings), raises NetFailure after `timeout` seconds."""
        t0 = time.monotonic()
        wait_for(lambda: self.rpcinfo(address, program, version, timeout=2), timeout,
                 f"nothing answered {program} v{version} on {address} within {timeout}s",
                 NetFailure)
        return ms_since(t0)

    def gateway_log(self, i):
        return open(self.gateways[i].log).read()

    def wait_logged(self, i, text, what, timeout=30):
        """Waits until gateway i's log holds `text`; NetFailure(what) after `timeout` s."""
        wait_for(lambda: text in self.gateway_log(i), timeout, what, NetFailure)

    # ----- the client side (the hub) ------------------------------------------------
    def client(self, *cmd, timeout=60, check=False):
        """Runs cmd in the hub's network namespace; returns the CompletedProcess."""
        return subprocess.run(["ip", "netns", "exec", self.hub] + list(cmd),
                              capture_output=True, text=True, timeout=timeout, check=check)

    def rpcinfo(self, address, program, version, timeout=5):
        """Whether `program` `version` answers NULL over TCP at `address` (through the
        rpcbind of the machine that holds the address), asked from the hub within
        `timeout` seconds (an address nobody holds does not refuse: it times out)."""
        try:
            return self.client("rpcinfo", "-t", address, program, str(version),
                               timeout=timeout).returncode == 0
        except subprocess.TimeoutExpired:
            return False

    def udp_null(self, address, port, program, version, timeout=3):
        """Whether NULL of `program` `version` sent over UDP to address:port from the hub
        is answered on a connected socket, i.e. by a reply from that very address (what
        the kernel's RPC client accepts; a reply from the machine's other address is
        dropped)."""
        probe = ("import socket,struct,sys\n"
                 "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
                 f"s.settimeout({timeout})\n"
                 f"s.connect(({address!r},{int(port)}))\n"
                 f"s.send(struct.pack('>10I',0x5eed,0,2,{int(program)},{int(version)},0,0,0,0,0))\n"
                 "r=s.recv(512)\n"
                 "sys.exit(0 if struct.unpack('>I',r[:4])[0]==0x5eed else 1)\n")
        try:
            return self.client("/usr/bin/python3", "-c", probe,
                               timeout=timeout + 10).returncode == 0
        except subprocess.TimeoutExpired:
            return False

    def volumectl(self, i, *args, server=None, check=True, tcp=False):
        """volumectl for gateway i, run in the hub so that its file commands reach
        `server` (default: gateway i's service address) over NFS. Admin goes over gateway
        i's Unix socket, or with tcp=True over TCP to its service address (needs
        admin_tcp_port), as from another machine."""
        if self.volumectl_bin is None:
            raise NetFailure("this test needs volumectl")
        gw = self.gateways[i]
        if tcp:
            if self.admin_tcp_port is None:
                raise NetFailure("volumectl over TCP needs admin_tcp_port")
            admin = ["--admin-tcp", f"{gw.service_ip}:{self.admin_tcp_port}",
                     "--admin-secret-file", self.admin_secret]
        else:
            admin = ["--admin-socket", gw.admin_socket]
        return self._logged(gw, ["ip", "netns", "exec", self.hub],
                            [self.volumectl_bin] + admin + ["--server", server or gw.service_ip]
                            + list(args), check)

    def placement(self, i, tcp=False):
        """{volume: (owner gateway id, address to mount)} as gateway i's `volumectl list
        --json` shows them (the address without its prefix length)."""
        listed = json.loads(self.volumectl(i, "list", "--json", tcp=tcp).stdout)
        return {v["name"]: (v["owner"], (v["address"] or "").split("/")[0]) for v in listed}

    def wait_members(self, i, timeout=30):
        """Waits until gateway i's `volumectl gateways --json` lists every running
        gateway as live (a gateway joins the placement once its record is published);
        returns the ms taken."""
        t0 = time.monotonic()
        want = {gw.id for n, gw in self.gateways.items() if self.running(n)}

        def members():
            listed = json.loads(self.volumectl(i, "gateways", "--json").stdout)
            return want <= {g["id"] for g in listed if g["live"]}

        wait_for(members, timeout, f"gateways {sorted(want)} not all live after {timeout} s",
                 NetFailure)
        return ms_since(t0)

    # ----- teardown -----------------------------------------------------------------
    def teardown(self, keep_ceph_logs=False):
        """Stops everything this object started, by PID, and removes the namespaces and
        the work directory. Safe to call twice and after a partial up()."""
        for gw in self.gateways.values():
            if gw.wrapper is not None and gw.wrapper.poll() is None:
                if gw.pid is not None:
                    try:
                        os.kill(gw.pid, signal.SIGCONT)  # a paused volumed cannot stop
                        os.kill(gw.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                stop_process(gw.wrapper)
            if gw.rpcbind is not None:
                stop_process(gw.rpcbind)
        if self.ceph_up:
            if keep_ceph_logs and os.path.isdir(os.path.join(self.ceph_dir, "log")):
                shutil.copytree(os.path.join(self.ceph_dir, "log"),
                                os.path.join(self.logdir, "ceph"), dirs_exist_ok=True)
            sh(CEPH_CLUSTER, "down", self.ceph_dir, "kill", check=False,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.ceph_up = False
        for ns in reversed(self.namespaces):
            sh("ip", "netns", "del", ns, check=False)
        self.namespaces = []
        shutil.rmtree(self.workdir, ignore_errors=True)


# ----- helpers ----------------------------------------------------------------------
def test_arguments(name, address_tool=False, extra_options=()):
    """The common start of a gateway test script: its arguments (--volumed, --volumectl,
    --build-dir, --address-tool when asked, and each of `extra_options`), SIGTERM (meson's timeout) turned into an
    exit through the teardown — Ceph's daemons are not our children and would outlive us —
    and the directory under the build dir for its work and logs. None when Ceph is not
    installed: the script then exits 77 (skipped)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--volumed", required=True)
    ap.add_argument("--volumectl", required=True)
    if address_tool:
        ap.add_argument("--address-tool", required=True)
    ap.add_argument("--build-dir", required=True)
    for option in extra_options:
        ap.add_argument(option, required=True)
    args = ap.parse_args()
    if shutil.which("ceph-mon") is None:
        print(f"{name}: Ceph is not installed (tools/install-deps.sh test); skipping")
        return None
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    return args, os.path.join(os.path.abspath(args.build_dir), "tests", "gateway")


def ms_since(t0):
    return int((time.monotonic() - t0) * 1000)


def tail(path, n=30):
    try:
        return "".join(open(path).readlines()[-n:])
    except OSError:
        return "(no log)"


def main():
    """`gateways.py up N`: brings up N gateways for a developer and holds them until
    Ctrl-C (run it under tests/support/netns_run.sh)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=["up"])
    ap.add_argument("gateways", type=int)
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--separate-stores", action="store_true",
                    help="each gateway its own --ceph-namespace (no shared catalog)")
    args = ap.parse_args()
    build = os.path.abspath(args.build_dir)
    base = os.path.join(build, "tests", "gateway")
    net = GatewayNet(os.path.join(build, "src", "volumed"),
                     os.path.join(build, "tools", "volumectl", "volumectl"),
                     address_tool=os.path.join(base, "address_tool"),
                     workdir=os.path.join(base, f"work-{os.getpid()}"),
                     logdir=os.path.join(base, "logs", "up"),
                     shared_namespace=not args.separate_stores)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with net:
        net.up(args.gateways)
        for i in range(1, args.gateways + 1):
            net.start(i)
        print(f"hub: ip netns exec {net.hub} ...; gateways answer on "
              + ", ".join(net.service_ip(i) for i in net.gateways) + "; Ctrl-C ends",
              flush=True)
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
