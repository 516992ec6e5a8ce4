#!/usr/bin/python3
"""A hand-over on request under load is transparent to clients (issue 18, README "Scaling
out", "Hand-over on request"), end to end in the test network (gateways.py):

1. Two gateways share one catalog; volume "vol" is created on gw1, exported to the hub's
   address only (so gw2 must take gw1's forwarded calls on gw1's word). A libnfs client in the
   hub (move_client) mounts gw1's address and writes a 96 MiB file in 1 MiB chunks
   (UNSTABLE writes with a COMMIT every 4 chunks, every fourth group FILE_SYNC; 40 ms
   between chunks, so that the move surely lands while it writes). Once a
   quarter of it is written, `volumectl move vol --to gw2` runs. The client keeps calling
   gw1, which forwards its calls to gw2 (services/gateway_forwarder.h): no call fails, the
   catalog names gw2, the file reads back with its checksum through gw1's address
   (forwarded) and gw2's (direct), and gw1's /metrics counts relayed calls. Prints the
   slowest call the client saw (the interruption) and the move's duration.
2. With an NLM lock held in a volume, `volumectl move` is refused (exit 1, the message
   names the lock's holder) and the volume stays; `--force` moves it.

Usage: move_test.py --volumed PATH --volumectl PATH --move-client PATH --lock-client PATH
       --build-dir DIR
(run under tests/support/netns_run.sh; exits 77 when Ceph is not installed).
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gateways import GatewayNet, NetFailure, check, test_arguments  # noqa: E402

FILE_MIB = 96
# Between the client's 1 MiB writes: the move (a volumectl process started on a loaded
# machine) must land while the client still writes, ~4 s of the write's ~6 s after it starts.
PAUSE_MS = 40
HTTP_PORT = 9049


def read_back(net, address, volume, name, out):
    if os.path.exists(out):
        os.unlink(out)  # nfs-cp does not replace a file
    r = net.client("timeout", "120", "nfs-cp", f"nfs://{address}/{volume}/{name}", out,
                   timeout=150)
    check(r.returncode == 0, f"reading {volume}/{name} through {address}: {r.stderr}")
    with open(out, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def forwarded(net, i):
    """gw i's volumed_forwarded_calls_total by result, from its /metrics."""
    url = f"http://{net.service_ip(i)}:{HTTP_PORT}/metrics"
    r = net.client("/usr/bin/python3", "-c",
                   f"import urllib.request; print(urllib.request.urlopen({url!r}).read().decode())")
    check(r.returncode == 0, f"/metrics of gw{i}: {r.stderr}")
    found = re.findall(r'^volumed_forwarded_calls_total\{result="(\w+)"\} (\S+)$', r.stdout,
                       re.MULTILINE)
    return {k: float(v) for k, v in found}


def main():
    setup = test_arguments("move", extra_options=("--move-client", "--lock-client"))
    if setup is None:
        return 77
    args, base = setup
    t0 = time.monotonic()
    workdir = os.path.join(base, f"move-{os.getpid()}")
    net = GatewayNet(args.volumed, args.volumectl, workdir=workdir,
                     logdir=os.path.join(base, "logs", "move"), lease_s=10,
                     shared_namespace=True, extra_args=("--http", f"0.0.0.0:{HTTP_PORT}"))
    report = {}
    try:
        with net:
            net.up_members(2)
            a1, a2 = net.service_ip(1), net.service_ip(2)
            net.volumectl(1, "create", "vol")
            if net.placement(1)["vol"][0] != "gw1":
                net.volumectl(1, "move", "vol", "--to", "gw1")
            check(net.placement(1)["vol"] == ("gw1", a1), f"vol: {net.placement(1)['vol']}")
            # Only the client's address may use it: gw2 must let gw1's forwarded calls in
            # (gw1 checks the client's address; export/gateway_peers.h).
            net.volumectl(1, "policy", "vol", "--allow", f"{net.hub_ip}/32")

            # 1. Write through gw1's address while the volume moves to gw2.
            os.makedirs(workdir, exist_ok=True)
            source = os.path.join(workdir, "source")
            data = os.urandom(FILE_MIB << 20)
            with open(source, "wb") as f:
                f.write(data)
            want = hashlib.sha256(data).hexdigest()
            before = forwarded(net, 1)
            writer = subprocess.Popen(
                ["ip", "netns", "exec", net.hub, args.move_client, a1, "vol", "big", source,
                 "1024", "4", str(PAUSE_MS)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
            lines = []
            while True:  # readline: iterating the pipe would read ahead past the quarter
                line = writer.stdout.readline()
                if not line:
                    break
                lines.append(line.strip())
                if line.startswith("progress ") and int(line.split()[1]) >= (FILE_MIB << 20) // 4:
                    break
            if writer.poll() is not None:
                raise NetFailure(f"the writer ended early: {lines} {writer.stderr.read()}")
            t = time.monotonic()
            moved = net.volumectl(1, "move", "vol", "--to", "gw2", check=False)
            if writer.poll() is not None:
                out, err = writer.communicate()
                raise NetFailure(f"the client ended (exit {writer.returncode}) before the move "
                                 f"did: {err.strip()} {out.split()[-4:]}")
            report["move_ms"] = int((time.monotonic() - t) * 1000)
            check(moved.returncode == 0, f"move under load: {moved.stderr}")
            out, err = writer.communicate(timeout=600)
            lines += out.split("\n")
            check(writer.returncode == 0, f"the client saw an error across the move (exit "
                  f"{writer.returncode}): {err} {lines[-5:]}")
            summary = [line for line in lines if line.startswith("calls ")]
            check(summary, f"no summary from the writer: {lines}")
            report["calls"], report["max_ms"] = summary[-1].split()[1], summary[-1].split()[3]
            check(net.placement(1)["vol"] == ("gw2", a2), f"vol after the move: "
                  f"{net.placement(1)['vol']}")
            check(net.placement(2, tcp=False)["vol"][0] == "gw2", "gw2 does not see itself owning vol")
            after = forwarded(net, 1)
            report["relayed"] = int(after.get("relayed", 0) - before.get("relayed", 0))
            check(report["relayed"] > 0, f"gw1 forwarded no call: {before} -> {after}; move "
                  f"{report['move_ms']} ms; client: {lines[:3]} ... {lines[-3:]}")
            for address in (a1, a2):
                got = read_back(net, address, "vol", "big", os.path.join(workdir, "back"))
                check(got == want, f"vol/big through {address}: checksum differs")
            # Calls that came from a gateway are never forwarded again (gw2 owns vol, so
            # nothing reaches gw1's forwarder from gw2 here): gw2 declined none either.
            check(forwarded(net, 2).get("relayed", 0) == 0, "gw2 forwarded calls of its own volume")

            # 2. A volume with an NLM lock held does not move without --force.
            net.volumectl(1, "create", "locked")
            owner, address = net.placement(1)["locked"]
            other = "gw2" if owner == "gw1" else "gw1"
            r = net.client(args.lock_client, address, "locked")
            check(r.returncode == 0, f"taking a lock in 'locked': {r.stderr}")
            refused = net.volumectl(1, "move", "locked", "--to", other, check=False)
            check(refused.returncode == 1, f"move with a lock held exited {refused.returncode}")
            check("NLM lock(s) held (by move-test)" in refused.stderr and "--force" in
                  refused.stderr, f"move with a lock held: {refused.stderr.strip()}")
            check(net.placement(1)["locked"][0] == owner, "the locked volume moved")
            net.volumectl(1, "move", "locked", "--to", other, "--force")
            check(net.placement(1)["locked"][0] == other, "--force did not move it")
    except NetFailure as e:
        print(f"move: FAILED: {e}\nlogs: {net.logdir}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"move: passed in {int((time.monotonic() - t0) * 1000)} ms: a {FILE_MIB} MiB write "
          f"through gw1 across `volumectl move` to gw2 ({report['move_ms']} ms): "
          f"{report['calls']} calls, none failed, the slowest {report['max_ms']} ms; gw1 "
          f"relayed {report['relayed']} calls to gw2; checksums match through both addresses")
    return 0


if __name__ == "__main__":
    sys.exit(main())
