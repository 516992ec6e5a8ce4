#!/bin/sh
# Initramfs /init (busybox). Loads the modules, builds the guest root — the host's root
# read-only over 9p under an overlay with a tmpfs upper layer — mounts the per-guest
# results share and the shared share, and switches to stage 2, which the harness wrote
# into the results share. The harness puts the insmod lines in at image build time.
export PATH=/bin
fail() {
  echo "vmtest-init: $*"
  poweroff -f
  sleep 60
}
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
@INSMOD@
mkdir -p /lower /upper
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /lower ||
  fail "cannot mount the host root over 9p"
mount -t tmpfs -o size=75% tmpfs /upper || fail "tmpfs"
mkdir -p /upper/u /upper/w
mount -t overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w overlay /newroot ||
  fail "overlay"
mkdir -p /newroot/vmt/results /newroot/vmt/shared
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 results /newroot/vmt/results ||
  fail "cannot mount the results share"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 shared /newroot/vmt/shared ||
  fail "cannot mount the shared share"
[ -r /newroot/vmt/results/stage2.sh ] || fail "no stage2.sh in the results share"
mount --move /proc /newroot/proc
mount --move /sys /newroot/sys
mount --move /dev /newroot/dev
exec switch_root /newroot /bin/sh /vmt/results/stage2.sh
fail "switch_root failed"
