#!/usr/bin/python3
"""Gateway failover on one shared store, end to end in the test network (gateways.py):

1. Two gateways share one catalog; four volumes created through gw1 are spread over both
   (each owner's address is what `volumectl list --json` says to mount), and each is
   written through its owner's address from the hub (libnfs' nfs-cp), and through the
   other's, which forwards the calls to the owner. `volumectl move` (asked of the gateway
   that does not own the volume) hands one of gw1's volumes to gw2: it is then mounted from
   gw2's address with every byte.
2. kill -9 gw2 (its machine's keepalive.sh drops its address, as keepalived would): within
   the lease gw1 fences it, adopts its volumes and brings gw2's address up on its own
   machine; a client writing through gw2's address succeeds again. Prints the failover time
   (kill to first successful write through the dead gateway's address). Every file written
   before the kill reads back with its checksum; `volumectl gateways` shows gw2 dead and gw1
   holding both addresses and every volume.
3. gw2 starts again: its address is held by gw1, so it serves without it (and says so).
4. SIGSTOP gw1 past its lease, while a client (move_client, FILE_SYNC writes back to
   back) has a WRITE on v1 in flight to it: gw2 adopts all of gw1's volumes and both
   addresses; the files read back through both addresses. SIGCONT gw1: it finds itself
   fenced, exits 75 (its machine drops its addresses) and never wrote again — nor answered
   the call it held with an error: the client resends it to gw2 and its file reads back
   whole.

Usage: failover_test.py --volumed PATH --volumectl PATH --move-client PATH --build-dir DIR
(run under tests/support/netns_run.sh; exits 77 when Ceph is not installed).
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gateways import GatewayNet, NetFailure, check, test_arguments  # noqa: E402

LEASE_S = 6
WRITER_MIB = 48  # the client writing through gw1 while it is paused (step 4)


class Files:
    """Random files on the host, written to and read back from volumes over NFS."""

    def __init__(self, net, workdir):
        self.net = net
        self.dir = os.path.join(workdir, "files")
        os.makedirs(self.dir, exist_ok=True)
        self.sums = {}  # (volume, name) -> sha256

    def write(self, address, volume, name, size, attempt_s=60):
        """nfs-cp of a new random file; a libnfs client does not reconnect on its own, so
        an attempt that outlives `attempt_s` (its connection went to a paused server) is
        given up (coreutils' timeout) and counts as failed."""
        path = os.path.join(self.dir, f"{volume}-{name}")
        data = os.urandom(size)
        with open(path, "wb") as f:
            f.write(data)
        r = self.net.client("timeout", str(attempt_s), "nfs-cp", path,
                            f"nfs://{address}/{volume}/{name}", timeout=attempt_s + 10)
        if r.returncode == 0:
            self.sums[(volume, name)] = hashlib.sha256(data).hexdigest()
        return r

    def check_all(self, address_of):
        for (volume, name), want in self.sums.items():
            address = address_of(volume)
            out = os.path.join(self.dir, f"back-{volume}-{name}")
            # As a client retries: an attempt may meet the paused gateway, which still
            # holds the address until it finds itself fenced.
            deadline = time.monotonic() + 60
            while True:
                if os.path.exists(out):
                    os.unlink(out)  # nfs-cp does not replace a file
                r = self.net.client("timeout", "10", "nfs-cp", f"nfs://{address}/{volume}/{name}",
                                    out, timeout=30)
                if r.returncode == 0 or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            check(r.returncode == 0, f"reading {volume}/{name} through {address}: {r.stderr}")
            with open(out, "rb") as f:
                got = hashlib.sha256(f.read()).hexdigest()
            check(got == want, f"{volume}/{name} through {address}: checksum differs")


def gateways(net, i):
    return {g["id"]: g for g in json.loads(net.volumectl(i, "gateways", "--json").stdout)}


def wait_write(files, address, volume, timeout):
    """Writes a probe file through `address` until one succeeds; ms taken. An attempt
    that hangs (connected to a paused gateway, which libnfs waits for forever) is given
    up after a few seconds and tried again."""
    t0 = time.monotonic()
    n = 0
    while time.monotonic() - t0 < timeout:
        n += 1
        if files.write(address, volume, f"probe-{n}", 4096, attempt_s=3).returncode == 0:
            return int((time.monotonic() - t0) * 1000)
        time.sleep(0.2)
    raise NetFailure(f"no write through {address} to {volume} within {timeout} s")


def start_writer(net, move_client, address, volume, workdir):
    """Starts move_client writing a WRITER_MIB file to `volume` through `address` in
    FILE_SYNC writes back to back (so that one is nearly always in flight) and returns it
    and the file's sha256 once a quarter is written."""
    source = os.path.join(workdir, "writer-source")
    data = os.urandom(WRITER_MIB << 20)
    with open(source, "wb") as f:
        f.write(data)
    writer = subprocess.Popen(["ip", "netns", "exec", net.hub, move_client, address, volume,
                               "paused-writer", source, "128", "0", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
    while True:  # readline: iterating the pipe would read ahead past the quarter
        line = writer.stdout.readline()
        if not line:
            raise NetFailure(f"the writer ended early: {writer.stderr.read()}")
        if line.startswith("progress ") and int(line.split()[1]) >= (WRITER_MIB << 20) // 4:
            return writer, hashlib.sha256(data).hexdigest()


def main():
    setup = test_arguments("failover", extra_options=("--move-client",))
    if setup is None:
        return 77
    args, base = setup
    t0 = time.monotonic()
    workdir = os.path.join(base, f"failover-{os.getpid()}")
    net = GatewayNet(args.volumed, args.volumectl, workdir=workdir,
                     logdir=os.path.join(base, "logs", "failover"), lease_s=LEASE_S,
                     shared_namespace=True, admin_tcp_port=7001)
    report = {}
    writer = None
    try:
        with net:
            net.up_members(2)
            a1, a2 = net.service_ip(1), net.service_ip(2)
            for v in ("v1", "v2", "v3", "v4"):
                net.volumectl(1, "create", v)
            placed = net.placement(2, tcp=True)
            check(sorted(o for o, _ in placed.values()) == ["gw1", "gw1", "gw2", "gw2"],
                  f"volumes not spread over both gateways: {placed}")
            check(all(addr == {"gw1": a1, "gw2": a2}[o] for o, addr in placed.values()),
                  f"mount addresses: {placed}")
            files = Files(net, workdir)
            for v, (owner, addr) in placed.items():
                r = files.write(addr, v, "big", 8 << 20)
                check(r.returncode == 0, f"writing {v} through {addr}: {r.stderr}")
                # Through the other gateway's address too: it forwards the calls to the
                # owner (services/gateway_forwarder.h); the file is checked with the rest.
                other = a2 if addr == a1 else a1
                r = files.write(other, v, "forwarded", 1024)
                check(r.returncode == 0, f"writing {v} through {other} (forwarded): {r.stderr}")
            on_gw1 = sorted(v for v, (o, _) in placed.items() if o == "gw1")
            on_gw2 = sorted(v for v, (o, _) in placed.items() if o == "gw2")

            # A hand-over on request, asked of the gateway that does not own the volume
            # (volumectl follows the owner): afterwards it is mounted from the target's
            # address and holds every byte written before.
            moved = on_gw1[0]
            net.volumectl(2, "move", moved, "--to", "gw2", tcp=True)
            check(net.placement(1, tcp=True)[moved] == ("gw2", a2), f"{moved} after the move: "
                  f"{net.placement(1, tcp=True)[moved]}")
            placed[moved] = ("gw2", a2)
            files.check_all(lambda v: placed[v][1])
            r = files.write(a2, moved, "after-move", 1 << 20)
            check(r.returncode == 0, f"writing {moved} through {a2} after the move: {r.stderr}")
            on_gw2 = sorted(v for v, (o, _) in placed.items() if o == "gw2")

            # 2. kill -9 gw2: gw1 takes its volumes and its address over.
            t = time.monotonic()
            net.kill(2)
            report["failover_ms"] = wait_write(files, a2, on_gw2[0], 6 * LEASE_S)
            report["kill_to_write_ms"] = int((time.monotonic() - t) * 1000)
            check(net.holders(net.service_address(2)) == [1],
                  f"{a2} held by {net.holders(net.service_address(2))}")
            files.check_all(lambda v: placed[v][1])
            g = gateways(net, 1)
            check(not g["gw2"]["live"] and g["gw1"]["live"], f"liveness: {g}")
            check(g["gw1"]["volumes"] == 4 and g["gw2"]["volumes"] == 0, f"volumes: {g}")
            check(sorted(h.split("/")[0] for h in g["gw1"]["held"]) == sorted([a1, a2]),
                  f"held: {g['gw1']['held']}")
            # The address answers (and the write above lands) before the locks are taken
            # over; the takeover is logged once that is done too.
            net.wait_logged(1, "took over gateway gw2", "gw1 did not log the takeover")

            # 3. gw2 back: its address stays with gw1.
            net.start(2)
            check(net.holders(net.service_address(2)) == [1],
                  f"{a2} after gw2's restart: held by {net.holders(net.service_address(2))}")
            # start() returned at once (gw1 answers on that address): wait for gw2's word.
            net.wait_logged(2, "is held by gateway gw1",
                            "gw2 did not say its address is held by gw1")
            check(net.running(2), "gw2 did not keep running without its address")

            # 4. gw1 paused past its lease under a client's writes: gw2 adopts everything;
            # continued, gw1 exits without answering the WRITE it held.
            writer, writer_sum = start_writer(net, args.move_client, a1, "v1", workdir)
            t = time.monotonic()
            net.pause(1)
            report["pause_to_write_ms"] = wait_write(files, a1, "v1", 6 * LEASE_S)
            check(net.holders(net.service_address(1)) in ([2], [1, 2]),
                  f"{a1} held by {net.holders(net.service_address(1))}")
            files.check_all(lambda v: a2)
            net.resume(1)
            rc = net.gateways[1].wrapper.wait(timeout=30)
            check(rc == 75, f"the fenced gw1 exited with {rc}, not 75")
            check(net.addresses(1) == [], f"gw1's machine still holds {net.addresses(1)}")
            out, err = writer.communicate(timeout=300)
            check(writer.returncode == 0, f"the client writing through gw1 saw an error across "
                  f"its pause (exit {writer.returncode}): {err.strip()} {out.split()[-3:]}")
            files.sums[("v1", "paused-writer")] = writer_sum
            files.check_all(lambda v: a1 if v in ("v1",) else a2)
            g = gateways(net, 2)
            check(g["gw2"]["volumes"] == 4 and not g["gw1"]["live"], f"after the pause: {g}")
    except NetFailure as e:
        print(f"failover: FAILED: {e}\nlogs: {net.logdir}", file=sys.stderr)
        return 1
    finally:
        if writer is not None and writer.poll() is None:
            writer.kill()
            writer.wait()
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"failover: passed in {int((time.monotonic() - t0) * 1000)} ms (lease {LEASE_S} s): "
          f"kill -9 to the first write through the dead gateway's address "
          f"{report['kill_to_write_ms']} ms; SIGSTOP to the first write through the paused "
          f"one's {report['pause_to_write_ms']} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
