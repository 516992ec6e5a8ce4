#!/usr/bin/python3
"""Forwarded vs direct throughput between gateways (README "Hand-over on request"): the
gateway test network (tests/gateway/gateways.py) with two gateways on one memstore Ceph,
a volume owned by gw2, and `nfs-cp` from the hub writing then reading a file of --mib MiB
through gw2's address (direct) and gw1's (forwarded to gw2), --rounds times, alternating.
Prints one line per round and path: write and read MiB/s. Figures, not a test.

Usage (as root; to compare two builds, run it with each, alternating):
  tests/support/netns_run.sh /usr/bin/python3 tools/bench/forward_bench.py \\
      --volumed BUILD/src/volumed --volumectl BUILD/tools/volumectl/volumectl \\
      --build-dir BUILD --mib 64 --rounds 3
"""

import os
import shutil
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "gateway"))
from gateways import GatewayNet, NetFailure, check, test_arguments  # noqa: E402


def timed_copy(net, source, target):
    t = time.monotonic()
    r = net.client("timeout", "300", "nfs-cp", source, target, timeout=320)
    check(r.returncode == 0, f"nfs-cp {source} {target}: {r.stderr}")
    return time.monotonic() - t


def main():
    setup = test_arguments("forward_bench", extra_options=("--mib", "--rounds"))
    if setup is None:
        return 77
    args, base = setup
    mib, rounds = int(args.mib), int(args.rounds)
    workdir = os.path.join(base, f"forward-bench-{os.getpid()}")
    net = GatewayNet(args.volumed, args.volumectl, workdir=workdir,
                     logdir=os.path.join(base, "logs", "forward-bench"), lease_s=10,
                     shared_namespace=True)
    try:
        with net:
            net.up_members(2)
            net.volumectl(1, "create", "vol")
            if net.placement(1)["vol"][0] != "gw2":
                net.volumectl(1, "move", "vol", "--to", "gw2")
            check(net.placement(1)["vol"][0] == "gw2", f"vol: {net.placement(1)['vol']}")
            os.makedirs(workdir, exist_ok=True)
            source = os.path.join(workdir, "source")
            with open(source, "wb") as f:
                f.write(os.urandom(mib << 20))
            back = os.path.join(workdir, "back")
            paths = (("direct", net.service_ip(2)), ("forwarded", net.service_ip(1)))
            for n in range(rounds):
                for label, address in paths:
                    url = f"nfs://{address}/vol/{label}-{n}"
                    write_s = timed_copy(net, source, url)
                    if os.path.exists(back):
                        os.unlink(back)  # nfs-cp does not replace a file
                    read_s = timed_copy(net, url, back)
                    print(f"round {n} {label:9s} write {mib / write_s:6.1f} MiB/s  "
                          f"read {mib / read_s:6.1f} MiB/s", flush=True)
    except NetFailure as e:
        print(f"forward_bench: FAILED: {e}\nlogs: {net.logdir}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
