"""Processes in named network namespaces, for the Python harnesses (tests/vm/vmtest.py,
tests/gateway/gateways.py): run a command, wait for a condition, stop a process by its
Popen, and start rpcbind as the anchor of a namespace's private mount namespace.

Every process started here dies with its parent (DIE_WITH_PARENT), so a SIGKILLed harness
leaves none behind. Not thread-safe: one harness thread uses it.
"""

import os
import subprocess
import time

DIE_WITH_PARENT = ["setpriv", "--pdeathsig", "KILL"]


def sh(*args, check=True, **kw):
    return subprocess.run(list(args), check=check, **kw)


def wait_for(pred, timeout, what, failure=RuntimeError):
    """Polls pred() every 0.1 s; raises failure(what) after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise failure(what)
        time.sleep(0.1)


def stop_process(p, timeout=10):
    """SIGTERM, then SIGKILL after `timeout` seconds; reaps it."""
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def start_rpcbind_anchor(netns, marker, log, failure, setup=""):
    """rpcbind in the named network namespace `netns` and a private mount namespace with
    its own tmpfs /run (`setup`: more shell commands run there first, ending in "&& ");
    its PID anchors both: enter them with anchor_exec(p).

    The anchor enters its namespaces step by step (nsenter, then unshare, then the tmpfs
    mount) before it becomes rpcbind. Until it has, `nsenter -t PID` lands in the host's
    network or mount namespace, where a host rpcbind (tools/serve.sh starts one) would
    answer the readiness probe and then take the server's registrations. So nothing enters
    the anchor's namespaces before it has shown, from inside them, that they are its own:
    the file /run/`marker` exists only in its private /run. Returns the Popen once rpcbind
    answers there; raises failure(message) otherwise."""
    script = (f"mount -t tmpfs -o mode=755 tmpfs /run && mkdir -p /run/rpcbind && {setup}"
              f": > /run/{marker} && exec rpcbind -f -w")
    p = subprocess.Popen(
        ["nsenter", f"--net=/run/netns/{netns}"] + DIE_WITH_PARENT +
        ["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def alive():
        if p.poll() is not None:
            raise failure(f"rpcbind in {netns} exited with {p.returncode}")
        return True

    def anchored():
        alive()
        try:
            same_net = (os.stat(f"/proc/{p.pid}/ns/net").st_ino
                        == os.stat(f"/run/netns/{netns}").st_ino)
            # /proc/PID/root resolves paths in PID's mount namespace.
            return same_net and os.path.exists(f"/proc/{p.pid}/root/run/{marker}")
        except OSError:
            return False

    try:
        wait_for(anchored, 10, f"rpcbind's namespaces in {netns} were not set up", failure)
        wait_for(lambda: alive() and subprocess.run(
            anchor_exec(p) + ["rpcinfo", "-p", "127.0.0.1"], capture_output=True).returncode == 0,
            10, f"rpcbind in {netns} did not start", failure)
    except BaseException:
        stop_process(p)
        raise
    return p


def anchor_exec(p):
    """The command prefix that runs a program in anchor p's network and mount namespaces."""
    return ["nsenter", "-t", str(p.pid), "--mount", "--net"]
