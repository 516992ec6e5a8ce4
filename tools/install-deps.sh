#!/bin/bash
# install-deps.sh [build|test|bench|vm]... — installs the Debian packages volumed needs for the
# given purposes (default: build), skipping those already installed. Run as root.
set -euo pipefail

# netbase (/etc/services, /etc/protocols, /etc/rpc) is on every full Debian install but
# not in minimal images (debootstrap minbase, containers); without it rpcbind listens on
# no port 111 and rpcinfo -p finds nothing.
# librados-dev has only the C API; the C++ header (rados/librados.hpp) is in
# libradospp-dev. Together with librados2 they are 4 small packages.
# libcpp-httplib-dev: the HTTP server behind --http (/metrics, the status page) and the
# client of `volumectl top`.
# iproute2 and iputils-arping: volumed's --service-address (src/gateway/interface_addresses.h)
# adds the address with `ip` and announces it with `arping -U`.
# libjemalloc-dev: volumed's malloc (meson option allocator; src/malloc_conf.cc).
build_pkgs=(meson ninja-build g++ pkg-config cmake rpcsvc-proto rpcbind netbase
  libtirpc-dev libleveldb-dev libnfs-dev libfmt-dev libspdlog-dev libcli11-dev nlohmann-json3-dev
  librados-dev libradospp-dev libcpp-httplib-dev iproute2 iputils-arping libjemalloc-dev)
# The Ceph daemons for the throw-away test cluster (tests/support/ceph_cluster.sh; the
# mgr only when a developer asks for it): ~80 packages, 54 MB. ceph-osd pulls in lvm2,
# whose initramfs rebuild makes the first install take about a minute.
test_pkgs=(libgtest-dev libgmock-dev libnfs-utils clang libclang-rt-14-dev
  iproute2 util-linux procps python3 nfs-common
  ceph-mon ceph-osd ceph-mgr uuid-runtime)
# compare.sh / scale.sh: the peer server they measure volumed against, and their tools.
bench_pkgs=(nfs-ganesha nfs-ganesha-vfs rpcbind iproute2 util-linux procps python3 linux-perf)
# chromium: the status page test loads / and /volume/NAME in headless Chromium (slow suite).
vm_pkgs=(qemu-system-x86 linux-image-amd64 busybox-static nfs-common python3-flufl.lock rsync git make
  kmod cpio xz-utils chromium)

want=()
[ $# -eq 0 ] && set -- build
for purpose in "$@"; do
  case "$purpose" in
    build) want+=("${build_pkgs[@]}") ;;
    test) want+=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
    bench) want+=("${bench_pkgs[@]}") ;;
    vm) want+=("${vm_pkgs[@]}") ;;
    *) echo "install-deps.sh: unknown purpose '$purpose' (build, test, bench, vm)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps.sh: need root to install: ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
