#!/bin/sh
# Stage 2, PID 1 in the guest after switch_root, run by the host's own /bin/sh. Sets up
# the guest's identity and network from /vmt/results/env, starts rpcbind and rpc.statd
# (mount.nfs and the kernel lock client need both), runs the job, writes its exit status
# to /vmt/results/rc and powers off. The harness treats a missing rc file as a hang.
R=/vmt/results
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
. "$R/env"

mount -t tmpfs -o mode=755 tmpfs /run
# /tmp stays the overlay's (writable, in the tmpfs upper layer): a fresh tmpfs there would
# hide a checkout that lives under the host's /tmp, and with it the job scripts.
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=755 tmpfs /var/lib/nfs
mkdir -p /var/lib/nfs/sm /var/lib/nfs/sm.bak /run/rpcbind
echo 1 >/proc/sys/kernel/sysrq

hostname "$VMT_HOSTNAME"
cp "$R/hosts" /etc/hosts
ip link set lo up
ip addr add "$VMT_IP/24" dev eth0
ip link set eth0 up

setup_ok=1
rpcbind -w || setup_ok=0
rpc.statd --no-notify || setup_ok=0

poweroff_now() {
  sync
  /bin/busybox poweroff -f # synchronous; the sysrq fallback is not
  echo o >/proc/sysrq-trigger
  while :; do :; done
}

if [ "$setup_ok" != 1 ]; then
  echo "vmtest-stage2: rpcbind or rpc.statd did not start" >"$R/output"
  echo 125 >"$R/rc.tmp" && mv "$R/rc.tmp" "$R/rc"
  poweroff_now
fi

echo "vmtest-stage2: $VMT_HOSTNAME starts $VMT_JOB at $(date +%T.%N)" >/dev/console
cd /tmp
# The job runs in its own session with stdin closed; its output goes to the results share.
case "$VMT_JOB" in
  *.py) /usr/bin/python3 "$VMT_JOB" </dev/null >"$R/output" 2>&1 ;;
  *) /bin/sh "$VMT_JOB" </dev/null >"$R/output" 2>&1 ;;
esac
rc=$?
echo "vmtest-stage2: $VMT_HOSTNAME job exited $rc at $(date +%T.%N)" >/dev/console
echo "$rc" >"$R/rc.tmp" && mv "$R/rc.tmp" "$R/rc"
poweroff_now
