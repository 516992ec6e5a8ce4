"""The VM cases: which guests run which job (tests/vm/jobs/), which volumes the server
serves, and the host-side steps some cases take while the guests run.

A case's host_steps(run) is called after the guests were booted; it talks to them through
flags in the shared 9p directory (run.wait_flag / run.signal_guests; the guests use
vmt_signal / vmt_wait from jobs/lib.sh) and acts on the server (run.kill_server,
run.start_server, run.volumectl).

Plain data and functions; no shared state.
"""

import os
import subprocess
import time
from dataclasses import dataclass, field


@dataclass
class GuestSpec:
    job: str  # file name under tests/vm/jobs/ (the NLM jobs: ../../nlm/vm_jobs/NAME)
    expect_rc: object = 0  # an exit status, or "hang" (harness self-test only)
    expect_output: str = ""  # a line the job's output must contain
    memory_mb: int = 512
    timeout: int = 0  # seconds before this guest counts as hung; 0 = the case's timeout
    env: dict = field(default_factory=dict)


@dataclass
class Case:
    name: str
    doc: str
    guests: list
    volumes: list = field(default_factory=lambda: ["vol1"])
    server: bool = True
    needs_volumectl: bool = False
    timeout: int = 300  # seconds each guest may run before it counts as hung
    server_args: list = field(default_factory=list)  # extra volumed flags for this case
    host_steps: object = None  # run(run) while the guests run
    prepare: object = None  # prepare(run) before the guests boot
    gateways: int = 0  # > 0: that many gateways on one Ceph store (vmtest.py, gateways.py)
    lease_s: int = 10  # a gateway case's --ceph-lease


RESTART_SOURCE_MIB = 384


def _make_restart_source(run, mib=RESTART_SOURCE_MIB):
    """A random file on the host; the guest reads it over the host-root 9p share."""
    import hashlib
    import os
    h = hashlib.sha256()
    with open(os.path.join(run.workdir, "restart-src.bin"), "wb") as f:
        for _ in range(mib):
            block = os.urandom(1 << 20)
            h.update(block)
            f.write(block)
    with open(os.path.join(run.workdir, "restart-src.sha256"), "w") as f:
        f.write(h.hexdigest() + "\n")
    run.signal_guests("source-ready")


def _restart_during_dd(run):
    """SIGKILL volumed while the guest's large write is in flight, then start it again."""
    run.wait_flag("dd-started", 240)
    time.sleep(1.0)  # let the client get well into the file
    run.kill_server()
    time.sleep(2.0)
    run.start_server()
    run.signal_guests("server-restarted")


def _no_root_squash(run):
    """vol1 without root squash, so root in the guest may chown and cp -a / rsync -a keep
    owners (volumed squashes root by default, as knfsd does); other volumes keep the
    default."""
    run.volumectl("policy", "vol1", "--squash", "none")


def _delete_volume(run):
    run.wait_flag("mounted", 240)
    run.volumectl("delete", "--yes", "doomed")
    run.signal_guests("volume-deleted")


PUBLISH_VERSIONS = 20


def _version_tree(run, n):
    """Version n of the published tree, in the host's work directory: files of random
    bytes (a set of names that changes from version to version) and a MANIFEST that
    starts "version n" followed by sha256sum lines for every other file."""
    import hashlib
    import os
    import random
    root = os.path.join(run.workdir, "versions", f"v{n}")
    rnd = random.Random(n)
    lines = []
    for i in range(24):
        rel = f"d{i % 3}/f{i}" if i % 4 else f"d{i % 3}/only-v{n}-{i}"
        os.makedirs(os.path.join(root, os.path.dirname(rel)), exist_ok=True)
        data = os.urandom(rnd.randint(1, 96 * 1024))
        with open(os.path.join(root, rel), "wb") as f:
            f.write(data)
        lines.append(f"{hashlib.sha256(data).hexdigest()}  ./{rel}\n")
    with open(os.path.join(root, "MANIFEST"), "w") as f:
        f.write(f"version {n}\n" + "".join(sorted(lines)))
    return root


def _publish_first_version(run):
    """vol1:/v0 (put --atomic onto a new path), then vol1:/current, a link to it (put
    --atomic of a local symlink), so later versions replace the link."""
    import os
    run.volumectl("put", "--atomic", _version_tree(run, 0), "vol1:/v0")
    link = os.path.join(run.workdir, "versions", "current")
    os.symlink("v0", link)
    run.volumectl("put", "--atomic", link, "vol1:/current")


def _publish_versions(run):
    """While the guest reads, versions 1..PUBLISH_VERSIONS go out with put --atomic onto
    the link vol1:/current, one every ~0.3 s (each put itself takes a while)."""
    trees = [_version_tree(run, n) for n in range(1, PUBLISH_VERSIONS + 1)]
    run.wait_flag("reading", 300)
    for tree in trees:
        run.volumectl("put", "--atomic", tree, "vol1:/current")
        time.sleep(0.3)
    run.signal_guests("published")


def _nlm_job(name):
    """A guest job of the NLM part (tests/nlm/vm_jobs/), relative to tests/vm/jobs/."""
    return "../../nlm/vm_jobs/" + name


def _restart_while_held(run):
    """Issue 6 case 6: both guests hold a lock; volumed is SIGKILLed and started again.
    The guests' statds get its reboot notification and their kernels reclaim in grace."""
    run.wait_flag("holding.1", 240)
    run.wait_flag("holding.2", 240)
    time.sleep(1.0)
    run.kill_server()
    run.start_server()
    run.signal_guests("restarted")


def _reboot_holder(run):
    """Issue 6 case 7: guest 1 holds a lock and guest 2 blocks on it; guest 1 is killed
    and booted again under the same name, where it sends its reboot notification."""
    run.wait_flag("waiter-blocked", 300)
    run.reboot_guest(run.guests[0], _nlm_job("reboot_notify.sh"))


GATEWAY_LEASE_S = 6
GATEWAY_GRACE_S = 15
GATEWAY_SOURCE_MIB = 256


def _place_on_gw2(run):
    """Creates volumes through gw1 until each gateway owns one (new volumes go to the
    least-loaded live gateway), and points the guests at the one gw2 owns (VMT_SERVER,
    VMT_VOLUMES) and guest 2 also at one gw1 owns (VMT_OTHER_SERVER, VMT_OTHER_VOLUME),
    each mounted from the address `volumectl list --json` gives for it; makes the large
    file's source."""
    net = run.net
    net.wait_members(1)
    placed = {}
    for n in range(1, 7):
        net.volumectl(1, "create", f"v{n}")
        placed = net.placement(1)
        if {owner for owner, _ in placed.values()} == {"gw1", "gw2"}:
            break
    on_gw2 = sorted(v for v, (owner, _) in placed.items() if owner == "gw2")
    if not on_gw2 or "gw1" not in {owner for owner, _ in placed.values()}:
        raise run.failure(f"volumes not spread over both gateways: {placed}")
    volume, address = on_gw2[0], placed[on_gw2[0]][1]
    if address != net.service_ip(2):
        raise run.failure(f"{volume} on gw2 is to be mounted from {address}, not "
                           f"{net.service_ip(2)}")
    print(f"vmtest: placement {placed}; the guests mount {address}:/{volume}", flush=True)
    on_gw1 = sorted(v for v, (owner, _) in placed.items() if owner == "gw1")[0]
    if placed[on_gw1][1] != net.service_ip(1):
        raise run.failure(f"{on_gw1} on gw1 is to be mounted from {placed[on_gw1][1]}")
    run.guest_env.update({"VMT_SERVER": address, "VMT_VOLUMES": volume,
                          "VMT_OTHER_SERVER": net.service_ip(1), "VMT_OTHER_VOLUME": on_gw1,
                          "VMT_GRACE_S": str(GATEWAY_GRACE_S)})
    _make_restart_source(run, GATEWAY_SOURCE_MIB)


def _probe_writes(run, address, volume, t_kill, timeout):
    """Writes a 4 KiB probe file through address from the hub (libnfs nfs-cp) until one
    succeeds; returns the seconds from t_kill (time.monotonic()) to that success."""
    probe = os.path.join(run.workdir, "probe.bin")
    with open(probe, "wb") as f:
        f.write(os.urandom(4096))
    n = 0
    while time.monotonic() - t_kill < timeout:
        n += 1
        try:  # an attempt stuck on a paused gateway (libnfs waits forever) is given up
            r = run.net.client("nfs-cp", probe, f"nfs://{address}/{volume}/probe-{n}",
                               timeout=5)
            if r.returncode == 0:
                return time.monotonic() - t_kill
        except subprocess.TimeoutExpired:
            pass
        time.sleep(0.2)
    raise run.failure(f"no write through {address} to {volume} within {timeout} s of "
                       f"the kill")


def _fail_gw2_during_dd(run, pause):
    """kill -9 gw2 (pause: SIGSTOP it) while guest 1 writes the large file and holds its
    lock, guest 2 having seen the lock refused. Measures the failover (kill to the first
    write through gw2's address from the hub), and tells the guests when gw1 has taken the
    volume, its address and its locks over (flag taken-over: gw1 is then in grace for the
    volume). A paused gw2 is continued then: it must find itself fenced and exit 75, its
    machine dropping the address (until then both machines hold it)."""
    how = "SIGSTOP" if pause else "kill -9"
    net = run.net
    volume, address = run.guest_env["VMT_VOLUMES"], run.guest_env["VMT_SERVER"]
    run.wait_flag("holding", 300)
    run.wait_flag("g2-refused", 300)
    run.wait_flag("dd-started", 300)
    time.sleep(0.5)  # well into the file
    t_kill, t_kill_wall = time.monotonic(), time.time()
    if pause:
        run.pause_gateway(2)
    else:
        run.kill_gateway(2)
    run.signal_guests("killed")
    failover_s = _probe_writes(run, address, volume, t_kill, 10 * GATEWAY_LEASE_S)

    def taken_over():
        log1 = net.gateway_log(1)
        if "no host held locks there; no grace period" in log1:
            raise run.failure("gw1 took gw2 over without a grace period: no host was in "
                              "gw2's NSM database")
        return "took over gateway gw2" in log1 and f"nlm: took over '{address}'" in log1

    run.wait_until(taken_over, 30, "gw1 did not log its takeover of gw2's volumes and locks")
    t_grace = _logged_at(net.gateway_log(1), f"nlm: took over '{address}'")
    run.signal_guests("taken-over")
    if pause:
        net.resume(2)
        rc = run.wait_gateway_exit(2, 30)
        if rc != 75:
            raise run.failure(f"gw2, fenced while paused and continued, exited with {rc}, "
                              f"not 75")
    holders = net.holders(net.service_address(2))
    if holders != [1]:
        raise run.failure(f"{address} held by {holders} after the failover")
    print(f"vmtest: FAILOVER {how} gw2 -> first write through {address} from the hub: "
          f"{failover_s:.2f} s (lease {GATEWAY_LEASE_S} s, grace {GATEWAY_GRACE_S} s)",
          flush=True)
    # Guest 2's new request, sent once it saw taken-over, must have waited for the grace
    # period's end (flag mtimes are the host's clock: the 9p server sets them).
    run.wait_flag("g2-trylock-done", 120)
    waited = os.stat(run.flag_path("g2-trylock-done")).st_mtime - t_grace
    print(f"vmtest: guest 2's lock request in grace answered {waited:.1f} s after gw1 "
          f"started its grace period", flush=True)
    run.wait_flag("g1-probe-written", 120)
    guest_s = os.stat(run.flag_path("g1-probe-written")).st_mtime - t_kill_wall
    print(f"vmtest: FAILOVER {how} gw2 -> guest 1's first write after the kill done: "
          f"{guest_s:.2f} s", flush=True)
    if waited < GATEWAY_GRACE_S - 1:
        raise run.failure(f"guest 2's lock request during gw1's grace period was answered "
                          f"after {waited:.1f} s, before the {GATEWAY_GRACE_S} s grace ended")


def _logged_at(log, text):
    """Host-clock time (volumed logs local time on this machine) of the first line of
    `log` that contains `text`: when gw1 started the grace period, not when the host's
    polling noticed it (which lags by up to seconds on a loaded machine)."""
    import datetime
    for line in log.splitlines():
        if text in line and line.startswith("["):
            stamp = line[1:line.index("]")]
            return datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f").timestamp()
    raise ValueError(f"no log line with {text!r}")


def _place_on_gw1(run):
    """A volume gw1 owns, which the guest mounts from gw1's address; the large file's
    source."""
    net = run.net
    net.wait_members(1)
    net.volumectl(1, "create", "moving")
    if net.placement(1)["moving"][0] != "gw1":
        net.volumectl(1, "move", "moving", "--to", "gw1")
    if net.placement(1)["moving"] != ("gw1", net.service_ip(1)):
        raise run.failure(f"moving: {net.placement(1)['moving']}")
    run.guest_env.update({"VMT_SERVER": net.service_ip(1), "VMT_VOLUMES": "moving"})
    _make_restart_source(run, GATEWAY_SOURCE_MIB)


def _move_during_dd(run):
    """`volumectl move` of the guest's volume to gw2 while the guest writes the large
    file through gw1's address: gw1 must forward the guest's calls to gw2 from then on."""
    net = run.net
    run.wait_flag("dd-started", 300)
    time.sleep(0.5)  # well into the file
    t = time.monotonic()
    net.volumectl(1, "move", "moving", "--to", "gw2")
    move_s = time.monotonic() - t
    run.signal_guests("moved")
    if net.placement(1)["moving"] != ("gw2", net.service_ip(2)):
        raise run.failure(f"after the move: {net.placement(1)['moving']}")
    run.wait_until(lambda: "forward: calls on volume 'moving' are forwarded to gateway gw2"
                   in net.gateway_log(1), 120, "gw1 did not forward the guest's calls to gw2")
    print(f"vmtest: MOVE of the guest's volume gw1 -> gw2 under its dd: {move_s:.2f} s "
          f"(volumectl)", flush=True)


def _gateway_case(name, doc, pause):
    """A case of two gateways whose gw2 fails (killed, or paused: _fail_gw2_during_dd)
    under the two guests' write and locks."""
    return Case(name, doc,
                guests=[GuestSpec("gateway_failover_writer.sh", memory_mb=640),
                        GuestSpec("gateway_failover_other.sh")],
                server=False, gateways=2, lease_s=GATEWAY_LEASE_S, needs_volumectl=True,
                server_args=["--grace-period", str(GATEWAY_GRACE_S)],
                prepare=_place_on_gw2, host_steps=lambda run: _fail_gw2_during_dd(run, pause),
                timeout=500)


CASES = {c.name: c for c in [
    Case("selftest",
         "harness self-test without NFS: output and exit status collected, a failing job "
         "reported, a hung guest stopped by its timeout",
         guests=[GuestSpec("selftest_ok.sh", expect_output="selftest-ok"),
                 GuestSpec("selftest_fail.sh", expect_rc=3, expect_output="selftest-fail"),
                 GuestSpec("selftest_hang.sh", expect_rc="hang", timeout=45)],
         volumes=[], server=False, timeout=300),
    Case("posix", "one guest: the POSIX calls users make on a mount (jobs/posix_calls.py)",
         guests=[GuestSpec("posix.sh")], volumes=["vol1", "squashed"],
         prepare=_no_root_squash, needs_volumectl=True, timeout=400),
    Case("programs", "one guest: git, cp -a + diff -r, rsync -a, untar + make -j2",
         guests=[GuestSpec("programs.sh", memory_mb=768)], prepare=_no_root_squash,
         needs_volumectl=True, timeout=600),
    Case("two_guests", "two guests: close-to-open, rename seen, concurrent appends",
         guests=[GuestSpec("two_guests.sh"), GuestSpec("two_guests.sh")], timeout=400),
    Case("restart", "server SIGKILLed and restarted during a guest's large dd",
         guests=[GuestSpec("restart.sh")], prepare=_make_restart_source,
         host_steps=_restart_during_dd, timeout=400),
    Case("locks", "two guests: 2x100 lockf increments, flock/lockf conflicts, blocked lock "
         "granted within 1 s of the unlock, shelve guarded by flufl.lock",
         guests=[GuestSpec("locks.sh"), GuestSpec("locks.sh")], timeout=400),
    Case("lock_sqlite", "two guests: sqlite3 (rollback journal) inserts from both, exact row "
         "count, integrity_check ok",
         guests=[GuestSpec(_nlm_job("sqlite_two.sh")), GuestSpec(_nlm_job("sqlite_two.sh"))],
         timeout=400),
    Case("lock_reclaim", "server SIGKILLed and restarted while both guests hold locks: "
         "reclaimed in grace, still exclusive",
         guests=[GuestSpec(_nlm_job("reclaim_restart.sh")),
                 GuestSpec(_nlm_job("reclaim_restart.sh"))],
         host_steps=_restart_while_held, server_args=["--grace-period", "15"], timeout=400),
    Case("lock_reboot", "a lock holder killed and booted again under its name: its reboot "
         "notification releases the stale lock, the blocked guest is granted",
         guests=[GuestSpec(_nlm_job("reboot_hold.sh")),
                 GuestSpec(_nlm_job("reboot_waiter.sh"))],
         host_steps=_reboot_holder, timeout=400),
    Case("permissions", "one guest: chown, chgrp, chmod, touch -d, set-ID clearing, rm and mv "
         "in a sticky directory, as different users (setpriv), root squashed or not",
         guests=[GuestSpec("permissions.sh", expect_output="permissions-ok")],
         volumes=["vol1", "squashed"], prepare=_no_root_squash, needs_volumectl=True,
         timeout=300),
    Case("atomic_publish", "one guest reads a published tree in a loop while the host "
         "publishes new versions with put --atomic: only whole versions (each checked against "
         "its manifest), never going back",
         guests=[GuestSpec("atomic_publish.sh", env={"VMT_VERSIONS": str(PUBLISH_VERSIONS)})],
         prepare=_publish_first_version, host_steps=_publish_versions, needs_volumectl=True,
         timeout=400),
    Case("estale", "volume deleted while mounted: ESTALE, not a hang",
         guests=[GuestSpec("estale.sh")], volumes=["doomed"], needs_volumectl=True,
         host_steps=_delete_volume, timeout=300),
    _gateway_case("gateway_failover", "two gateways on one Ceph store; kill -9 of the one "
                  "serving the guests' volume while guest 1 writes a large file and holds a "
                  "lock: the write completes intact through the same address, the lock is "
                  "reclaimed in grace and still excludes guest 2, whose new request waits "
                  "out the grace period", pause=False),
    _gateway_case("gateway_pause", "as gateway_failover, but gw2 is SIGSTOPped past its "
                  "lease instead of killed, and continued once gw1 took over: it exits "
                  "fenced (75)", pause=True),
    Case("gateway_move", "two gateways on one Ceph store; `volumectl move` of the guest's "
         "volume from gw1 to gw2 while it writes a large file through gw1's address: gw1 "
         "forwards its calls, the write completes intact",
         guests=[GuestSpec("gateway_move.sh", memory_mb=640)], server=False, gateways=2,
         lease_s=GATEWAY_LEASE_S, needs_volumectl=True, prepare=_place_on_gw1,
         host_steps=_move_during_dd, timeout=500),
]}
