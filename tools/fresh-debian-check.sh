#!/bin/bash
# fresh-debian-check.sh [--fast|--full|--serve-only] [--reuse] — proves README's two
# commands on a fresh Debian 12: a debootstrap'ed bookworm (variant minbase, the barest
# Debian there is) gets a clone of this repository's HEAD and runs, as root from the
# clone's root, exactly
#     tools/serve.sh          then a real NFS round trip (volumectl put/get, nfs-cp)
#     tests/run.sh [--fast]   (--fast is the default here; --full runs the whole suite)
# Not part of the test suite: slow (a full build, twice) and it needs the Debian archive.
#
# Isolation: the chroot runs in its own network namespace (volumed-deb), mount namespace
# (private /run, its own /proc /sys /dev /dev/pts) and PID namespace, so its rpcbind and
# volumed never meet anything else on the host, and everything it starts dies with it.
# Its only way out is a veth pair whose forwarding and masquerading admit exactly the
# archive's address on TCP port 80 (nft table "ip volumed_deb"). Everything set up here is
# taken down on exit (trap): the namespace, the veth, the nft table, the forwarding
# sysctls (restored to what they were) and any mount under the chroot.
#
# The pristine debootstrap is kept as a tarball (ROOT.pristine.tar) and every run starts
# from it, so a run never sees packages a previous run installed; --reuse keeps the
# chroot as the last run left it (quick re-runs while fixing something).
# Environment: FRESH_ROOT (default /var/tmp/deb12), FRESH_MIRROR (http://deb.debian.org/debian).
# Ends with one line: "fresh-debian-check: PASS|FAIL — …". Needs root on a Debian host.
set -uo pipefail

mode=fast
reuse=0
for arg in "$@"; do
  case "$arg" in
    --fast) mode=fast ;;
    --full) mode=full ;;
    --serve-only) mode=serve ;;
    --reuse) reuse=1 ;;
    *) echo "usage: $0 [--fast|--full|--serve-only] [--reuse]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "fresh-debian-check: needs root" >&2; exit 2; }

repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel) || exit 2
root=${FRESH_ROOT:-/var/tmp/deb12}
pristine="$root.pristine.tar"
mirror=${FRESH_MIRROR:-http://deb.debian.org/debian}
archive_host=$(echo "$mirror" | sed -E 's#^[a-z]+://([^/:]+).*#\1#')
netns=volumed-deb
veth_host=vdeb-h
veth_ns=vdeb-n
host_ip=10.231.77.1
ns_ip=10.231.77.2
nft_table=volumed_deb

verdict() { # STATUS TEXT
  echo "fresh-debian-check: $1 — $2"
  exit "$([ "$1" = PASS ] && echo 0 || echo 1)"
}

mounts_under_root() { awk -v r="$root" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/mounts; }

# Removes the chroot directory, but never through a mount point.
remove_root() {
  if [ -n "$(mounts_under_root)" ]; then
    echo "fresh-debian-check: mounts remain under $root; not removing it" >&2
    return 1
  fi
  rm -rf --one-file-system "$root"
}

inner_pid=
uplink=
saved_fwd_uplink=
cleanup() {
  if [ -n "$inner_pid" ] && kill -0 "$inner_pid" 2>/dev/null; then
    # unshare ignores TERM while it waits; SIGKILL to the namespace's PID 1 (its child)
    # ends every process in the namespace, and with them the private mounts.
    local ns_init
    ns_init=$(cat "/proc/$inner_pid/task/$inner_pid/children" 2>/dev/null)
    [ -n "$ns_init" ] && kill -KILL "$ns_init" 2>/dev/null
    wait "$inner_pid" 2>/dev/null
  fi
  nft delete table ip "$nft_table" 2>/dev/null
  if [ -n "$uplink" ] && [ -n "$saved_fwd_uplink" ]; then
    echo "$saved_fwd_uplink" >"/proc/sys/net/ipv4/conf/$uplink/forwarding"
  fi
  ip link del "$veth_host" 2>/dev/null
  ip netns del "$netns" 2>/dev/null
  local m
  for m in $(mounts_under_root | sort -r); do umount -l "$m"; done
}
trap cleanup EXIT
trap 'echo "fresh-debian-check: FAIL — interrupted"; exit 130' INT TERM

# Host tools this check itself uses (the chroot gets nothing from here but the clone).
need=()
for p in debootstrap nftables iproute2 util-linux git; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null ||
    verdict FAIL "cannot install host tools: ${need[*]}"
fi

# A stale namespace or table from an interrupted run.
ip netns del "$netns" 2>/dev/null
ip link del "$veth_host" 2>/dev/null
nft delete table ip "$nft_table" 2>/dev/null

# 1. The fresh Debian 12.
if [ ! -f "$pristine" ]; then
  if [ ! -f "$root/etc/debian_version" ] || [ -e "$root/root/.fresh-debian-check" ]; then
    remove_root || verdict FAIL "cannot clear $root"
    echo "debootstrap --variant=minbase bookworm $root $mirror"
    debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.debootstrap.log" 2>&1 ||
      verdict FAIL "debootstrap failed (see $root.debootstrap.log)"
  fi
  tar -C "$root" -cf "$pristine.tmp" . && mv "$pristine.tmp" "$pristine" ||
    verdict FAIL "cannot save $pristine"
fi
if [ "$reuse" -eq 0 ] || [ ! -f "$root/etc/debian_version" ]; then
  remove_root || verdict FAIL "cannot clear $root"
  mkdir -p "$root" && tar -C "$root" -xf "$pristine" || verdict FAIL "cannot unpack $pristine"
fi
touch "$root/root/.fresh-debian-check"
# The apt sources a real install has (main, updates, security), as this host has them.
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/debian.sources"
  rm -f "$root/etc/apt/sources.list"
fi
# The namespace reaches no DNS server, so the archive's name goes in /etc/hosts, beside
# the localhost lines the Debian installer writes (debootstrap writes no /etc/hosts).
archive_ip=$(getent ahostsv4 "$archive_host" | awk 'NR == 1 { print $1 }')
[ -n "$archive_ip" ] || verdict FAIL "cannot resolve $archive_host"
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n%s\t%s\n' \
  "$archive_ip" "$archive_host" >"$root/etc/hosts"

# 2. The clone (made from the host: git is not installed in the chroot for this).
clone="$root/root/volumed"
if [ -d "$clone/.git" ]; then
  git -C "$clone" fetch -q "$repo" HEAD && git -C "$clone" checkout -q --force --detach FETCH_HEAD ||
    verdict FAIL "cannot update the clone"
else
  git clone -q "$repo" "$clone" || verdict FAIL "cannot clone $repo"
fi
commit=$(git -C "$clone" rev-parse --short HEAD)

# The network namespace: loopback, and a veth that reaches only the archive on port 80.
uplink=$(ip -o route get "$archive_ip" | sed -E 's/.* dev ([^ ]+).*/\1/')
ip netns add "$netns" || verdict FAIL "cannot create netns $netns"
ip link add "$veth_host" type veth peer name "$veth_ns" &&
  ip link set "$veth_ns" netns "$netns" &&
  ip addr add "$host_ip/30" dev "$veth_host" && ip link set "$veth_host" up &&
  ip -n "$netns" link set lo up &&
  ip -n "$netns" addr add "$ns_ip/30" dev "$veth_ns" && ip -n "$netns" link set "$veth_ns" up &&
  ip -n "$netns" route add default via "$host_ip" || verdict FAIL "cannot set up the veth pair"
nft -f - <<EOF || verdict FAIL "cannot load the nft table"
table ip $nft_table {
  chain forward {
    type filter hook forward priority 0; policy accept;
    iifname "$veth_host" oifname "$uplink" ip daddr $archive_ip tcp dport 80 accept
    iifname "$uplink" oifname "$veth_host" ct state established,related accept
    iifname "$veth_host" drop
    oifname "$veth_host" drop
    iifname "$uplink" oifname "$uplink" drop
  }
  chain postrouting {
    type nat hook postrouting priority 100; policy accept;
    ip saddr $ns_ip ip daddr $archive_ip tcp dport 80 oifname "$uplink" masquerade
  }
}
EOF
# Forwarding only on the two interfaces involved (not the global ip_forward).
saved_fwd_uplink=$(cat "/proc/sys/net/ipv4/conf/$uplink/forwarding")
echo 1 >"/proc/sys/net/ipv4/conf/$uplink/forwarding"
echo 1 >"/proc/sys/net/ipv4/conf/$veth_host/forwarding"

# 3 and 4 run inside the chroot (script below), in the namespaces, niced.
cat >"$root/root/fresh-check-inner.sh" <<'INNER'
#!/bin/bash
# Runs inside the chroot: README's two commands, a round trip through NFS, a summary.
set -u
mode=$1
results=/root/fresh-check.result
: >"$results"
note() { echo "$1" >>"$results"; }
say() { echo "[chroot $(date -u +%T)] $*"; }
cd /root/volumed || exit 1

serve_pid=
start_server() { # LOG — runs tools/serve.sh as README says; waits until NFS is registered
  local log=$1 t0=$SECONDS
  tools/serve.sh >"$log" 2>&1 &
  serve_pid=$!
  while :; do
    if ! kill -0 "$serve_pid" 2>/dev/null; then
      wait "$serve_pid"
      say "tools/serve.sh exited with $? before serving:"; tail -n 40 "$log"
      return 1
    fi
    if [ -S /run/volumed/admin.sock ]; then # volumed is serving; rpcbind must say so
      local i
      for i in $(seq 30); do
        rpcinfo -p 2>/dev/null | grep -qw 100003 && break 2
        sleep 1
      done
      say "volumed serves, but rpcinfo -p does not list NFS:"; rpcinfo -p; rpcinfo
      return 1
    fi
    if [ $((SECONDS - t0)) -gt 5400 ]; then
      say "tools/serve.sh is not serving after 90 minutes"; tail -n 40 "$log"
      return 1
    fi
    sleep 3
  done
  serve_secs=$((SECONDS - t0))
}
stop_server() {
  [ -n "$serve_pid" ] || return 0
  kill "$serve_pid" 2>/dev/null
  wait "$serve_pid" 2>/dev/null
  serve_pid=
}
# Everything else running here was started in this PID namespace, by this run.
stop_leftovers() {
  local p comm
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" -eq 1 ] || [ "$p" -eq $$ ] && continue
    comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue
    say "stopping $comm (pid $p)"
    kill "$p" 2>/dev/null
  done
}

say "tools/serve.sh (first run: installs, builds, starts)"
start_server /root/serve.log || { note "serve=FAIL"; stop_leftovers; exit 1; }
note "serve=ok ${serve_secs}s"
say "serving after ${serve_secs}s; rpcinfo -p:"
rpcinfo -p
note "rpc_programs=$(rpcinfo -p | awk 'NR > 1 { print $1 }' | sort -u | tr '\n' ' ')"

volumectl=build/tools/volumectl/volumectl
# Names of this run only (--reuse keeps the volume and /root of earlier runs).
tag=$(date +%s)
probe=/root/probe-$tag.bin
head -c $((3 * 1024 * 1024 + 12345)) /dev/urandom >"$probe"
if "$volumectl" list && "$volumectl" put "$probe" default:/ &&
  "$volumectl" ls default:/ -l && "$volumectl" get "default:/probe-$tag.bin" "$probe.back" &&
  cmp "$probe" "$probe.back"; then
  say "volumectl round trip: identical"
  note "volumectl=ok"
else
  say "volumectl round trip FAILED"
  note "volumectl=FAIL"
fi
stop_server

if [ "$mode" != serve ]; then
  flag=--fast
  [ "$mode" = full ] && flag=
  say "tests/run.sh $flag"
  t0=$SECONDS
  # shellcheck disable=SC2086
  tests/run.sh $flag >/root/run.log 2>&1
  rc=$?
  summary=$(tail -n 1 /root/run.log)
  say "tests/run.sh $flag: exit $rc after $((SECONDS - t0))s: $summary"
  [ $rc -eq 0 ] || grep -E '^ *[0-9]+/[0-9]+ .*(FAIL|TIMEOUT|ERROR)' /root/run.log | tail -n 30
  note "run=$rc $((SECONDS - t0))s $summary"
fi

# Second serve.sh: nothing left to install or build; then libnfs's own tools, when the
# test packages brought them, against the same server.
say "tools/serve.sh (second run)"
if start_server /root/serve2.log; then
  note "serve2=ok ${serve_secs}s"
  if command -v nfs-cp >/dev/null; then
    if nfs-cp "$probe" "nfs://127.0.0.1/default/probe-nfs-$tag.bin" &&
      nfs-ls nfs://127.0.0.1/default &&
      nfs-cp "nfs://127.0.0.1/default/probe-nfs-$tag.bin" "$probe.nfs-back" &&
      cmp "$probe" "$probe.nfs-back" &&
      nfs-cp "nfs://127.0.0.1/default/probe-$tag.bin" "$probe.nfs-back2" &&
      cmp "$probe" "$probe.nfs-back2"; then
      say "nfs-cp round trip: identical (and the file volumectl put survived the restart)"
      note "nfs_cp=ok"
    else
      say "nfs-cp round trip FAILED"
      note "nfs_cp=FAIL"
    fi
  else
    note "nfs_cp=not-installed"
  fi
  stop_server
else
  note "serve2=FAIL"
fi
stop_leftovers
exit 0
INNER

# Inside: PID 1 of a new PID namespace mounts the chroot's filesystems in a private
# mount namespace, runs the inner script, unmounts. --kill-child: if this script dies,
# the namespace's PID 1 dies and the kernel ends everything in it.
echo "chroot $root (commit $commit), netns $netns, mode $mode; logs in $root/root/*.log"
t_start=$SECONDS
nice -n 10 ip netns exec "$netns" unshare --mount --propagation private --pid --fork --kill-child \
  /bin/bash -c '
    r=$1 mode=$2
    # The root a mount point, as on a real machine (the tests make / rprivate in
    # their own mount namespaces; that fails on a plain directory).
    mount --bind "$r" "$r" && mount -t proc proc "$r/proc" && mount -t sysfs sysfs "$r/sys" &&
      mount --bind /dev "$r/dev" && mount --bind /dev/pts "$r/dev/pts" &&
      mount -t tmpfs -o mode=0755 tmpfs "$r/run" || exit 1
    chroot "$r" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      /bin/bash /root/fresh-check-inner.sh "$mode"
    rc=$?
    for m in run dev/pts dev sys proc ""; do umount "$r/$m" || umount -l "$r/$m"; done
    exit $rc' inner "$root" "$mode" &
inner_pid=$!
wait "$inner_pid"
inner_rc=$?
inner_pid=
elapsed=$((SECONDS - t_start))

res="$root/root/fresh-check.result"
get() { sed -n "s/^$1=//p" "$res" 2>/dev/null; }
serve=$(get serve) volumectl=$(get volumectl) run=$(get run) serve2=$(get serve2) nfs_cp=$(get nfs_cp)
text="commit $commit, minbase bookworm, ${elapsed}s in all; tools/serve.sh: ${serve:-none}"
text+=" (volumectl round trip ${volumectl:-none}); second serve.sh: ${serve2:-none}"
text+=" (nfs-cp round trip ${nfs_cp:-none})"
case "$mode" in
  fast) text+="; tests/run.sh --fast: ${run:-none}" ;;
  full) text+="; tests/run.sh: ${run:-none}" ;;
esac
ok=1
[ "$inner_rc" -eq 0 ] || ok=0
case "$serve" in ok*) ;; *) ok=0 ;; esac
case "$serve2" in ok*) ;; *) ok=0 ;; esac
[ "$volumectl" = ok ] || ok=0
[ "$nfs_cp" = FAIL ] && ok=0
if [ "$mode" != serve ]; then
  # Every selected test must run: a skip here means the fresh system lacks something.
  case "$run" in "0 "*", 0 failed") ;; *) ok=0 ;; esac
  [ "$nfs_cp" = ok ] || ok=0
fi
[ $ok -eq 1 ] && verdict PASS "$text"
verdict FAIL "$text"
