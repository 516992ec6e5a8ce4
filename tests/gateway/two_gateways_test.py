#!/usr/bin/python3
"""Two gateways on one Ceph cluster in the test network (gateways.py): each answers
MOUNT and NFS NULL on its own service address from the hub (over UDP with the reply
from that address) and holds exactly that address; a volume created through gw1 is listed by volumectl over admin TCP and through
libnfs on gw1's address; a
SIGSTOPped gateway is silent until SIGCONT while the other answers; a kill -9 takes gw2's
address off (keepalive.sh's cleanup); moved to gw1's machine (address_tool, as the
failover coordinator will) it answers from the hub again, volume listing included; a
SIGTERM takes gw1's own address off (volumed's cleanup) and the moved one (keepalive.sh);
teardown leaves no namespace behind. Prints the phase timings.

Usage: two_gateways_test.py --volumed PATH --volumectl PATH --address-tool PATH
       --build-dir DIR
(run under tests/support/netns_run.sh; exits 77 when Ceph is not installed).
"""

import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gateways import GatewayNet, NetFailure, check, test_arguments  # noqa: E402


def main():
    setup = test_arguments("two_gateways", address_tool=True)
    if setup is None:
        return 77
    args, base = setup
    t0 = time.monotonic()
    net = GatewayNet(args.volumed, args.volumectl, address_tool=args.address_tool,
                     workdir=os.path.join(base, f"work-{os.getpid()}"),
                     logdir=os.path.join(base, "logs", "two_gateways"),
                     # Independent stores until the catalog is shared between gateways
                     # (storage/rados/rados_catalog_table): today a second gateway on the
                     # same catalog would wait out, then fence, the first one's lease.
                     shared_namespace=False, admin_tcp_port=7001)
    namespaces = []
    try:
        with net:
            net.up(gateways=2)
            namespaces = list(net.namespaces)
            start_ms = [net.start(1), net.start(2)]
            for i, other in ((1, 2), (2, 1)):
                ip = net.service_ip(i)
                check(net.rpcinfo(ip, "nfs", 3), f"NFS v3 NULL on {ip}")
                check(net.rpcinfo(ip, "mountd", 3), f"MOUNT v3 NULL on {ip}")
                # Over UDP the reply leaves from the service address, not the machine's
                # own: a connected socket (as the kernel's client uses) receives it.
                check(net.udp_null(ip, 20048, 100005, 3), f"MOUNT over UDP on {ip}")
                check(net.udp_null(ip, 32803, 100021, 4), f"NLM over UDP on {ip}")
                check(net.addresses(i) == [net.service_address(i)],
                      f"gw{i} holds {net.addresses(i)}, expected [{net.service_address(i)}]")
                check(net.service_address(other) not in net.addresses(i),
                      f"gw{i} holds gw{other}'s address")

            net.volumectl(1, "create", "data")
            listed = net.volumectl(1, "list", tcp=True).stdout  # admin over TCP, from the hub
            check("data" in listed, f"volumectl list over TCP on gw1: {listed}")
            ls = net.client("nfs-ls", f"nfs://{net.service_ip(1)}/data")
            check(ls.returncode == 0, f"nfs-ls on gw1's address: {ls.stderr.strip()}")

            # A paused gateway does not answer, the other one still does; SIGCONT revives it.
            net.pause(2)
            check(not net.rpcinfo(net.service_ip(2), "nfs", 3, timeout=3), "a paused gw2 answered")
            check(net.rpcinfo(net.service_ip(1), "nfs", 3), "gw1 silent while gw2 is paused")
            net.resume(2)
            check(net.rpcinfo(net.service_ip(2), "nfs", 3, timeout=10), "gw2 silent after SIGCONT")

            # kill -9 gw2: its machine's keepalive.sh drops its address.
            t = time.monotonic()
            rc = net.kill(2)
            kill_ms = int((time.monotonic() - t) * 1000)
            check(rc == 128 + signal.SIGKILL, f"gw2's wrapper reported {rc} after kill -9")
            check(net.addresses(2) == [], f"gw2 still holds {net.addresses(2)} after kill -9")
            check(f"keepalive: removed service address {net.service_address(2)} from vgw2"
                  in net.gateway_log(2), "keepalive.sh did not log the removal")

            # gw2's address moves to gw1's machine (as the failover coordinator will move
            # it): the hub's ARP entry follows the gratuitous ARP, and gw1 answers there.
            move_ms = net.move_address(net.service_address(2), to=1)
            check(net.holders(net.service_address(2)) == [1],
                  f"{net.service_address(2)} held by {net.holders(net.service_address(2))}")
            answer_ms = net.wait_answers(net.service_ip(2), 30)
            failover_ms = int((time.monotonic() - t) * 1000)
            check(net.udp_null(net.service_ip(2), 20048, 100005, 3),
                  "MOUNT over UDP on the moved address")
            ls = net.client("nfs-ls", f"nfs://{net.service_ip(2)}/data")
            check(ls.returncode == 0, f"nfs-ls on the moved address: {ls.stderr.strip()}")

            # SIGTERM gw1: volumed drops its own address, keepalive.sh the one moved there.
            t = time.monotonic()
            rc = net.kill(1, signal.SIGTERM)
            stop_ms = int((time.monotonic() - t) * 1000)
            check(rc == 0, f"gw1 exited with {rc} after SIGTERM")
            check(net.addresses(1) == [], f"gw1 still holds {net.addresses(1)} after SIGTERM")
            check(f"service address {net.service_address(1)} removed from vgw1"
                  in net.gateway_log(1), "volumed did not log the removal")
            check(f"keepalive: removed service address {net.service_address(2)} from vgw1"
                  in net.gateway_log(1), "keepalive.sh did not drop the moved address")
            check(not net.rpcinfo(net.service_ip(1), "nfs", 3), "gw1's address still answers")
            timings = dict(net.timings)
        left = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        check(not any(ns in left for ns in namespaces), f"namespaces left: {left}")
    except NetFailure as e:
        print(f"two_gateways: FAILED: {e}\nlogs: {net.logdir}", file=sys.stderr)
        return 1
    print(f"two_gateways: passed in {int((time.monotonic() - t0) * 1000)} ms: network "
          f"{timings['network_ms']} ms, Ceph {timings['ceph_ms']} ms, gateway start "
          f"{start_ms[0]} / {start_ms[1]} ms; kill -9 gw2 to address dropped {kill_ms} ms, "
          f"address added on gw1 {move_ms} ms, then answering {answer_ms} ms, kill to "
          f"answering {failover_ms} ms; SIGTERM gw1 to both addresses dropped {stop_ms} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
