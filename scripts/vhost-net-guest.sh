#!/usr/bin/env bash
# Runs one command inside a throw-away QEMU guest whose kernel has /dev/vhost-net, with this host's
# root file system shared read-only, and passes its output and exit status back.
#
# Why a guest: the host kernel this project is developed on has no vhost_net module, but Debian's
# stock kernel does. The guest is built from Debian packages, never installed on the host (by
# scripts/lib/debian-guest.sh, shared with scripts/qemu-guest.sh):
#   * linux-image-amd64's kernel package: fetched with `apt-get download`, unpacked with
#     `dpkg-deb -x` into the cache, modules.dep made with `depmod -b`, the uncompressed vmlinux cut
#     out of the bzImage (QEMU boots it through its PVH entry with qboot: about twice as fast);
#   * busybox-static for the initramfs' /init, plus the modules the guest needs before and after it
#     mounts the host root (virtio-pci, 9p; tun, vhost_net).
# QEMU runs with software emulation (TCG): this machine's /dev/kvm cannot boot a Linux kernel.
#
# Usage: scripts/vhost-net-guest.sh [--cache DIR] [--timeout SECONDS] [--console] -- COMMAND [ARG...]
#   COMMAND runs as root in the guest, chrooted into the host's root (read-only; the directory
#   under /tmp holding a working directory there is bound in from the host's /tmp; otherwise /tmp, /run and /dev
#   are the guest's own), in the current directory, with /dev/vhost-net and /dev/net/tun present.
#   Its stdout and stderr are printed here; the script exits with its exit status, or with 125 when
#   the guest could not run it (the console log is printed then).
#   --cache DIR   where the unpacked kernel and the initramfs are kept
#                 (default $VHOST_NET_GUEST_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/virtio4j/vhost-net-guest)
#   --timeout S   kill QEMU after S seconds (default 180)
#   --console     also print the guest's console log
# Needs: qemu-system-x86 (qemu-system-x86_64, qboot.rom), busybox-static, apt-get/dpkg-deb, kmod
# (depmod), cpio, gzip, xz-utils.
set -euo pipefail

cache="${VHOST_NET_GUEST_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/virtio4j/vhost-net-guest}"
timeout_s=180
show_console=0
while [ $# -gt 0 ]; do
  case "$1" in
    --cache) cache="$2"; shift 2 ;;
    --timeout) timeout_s="$2"; shift 2 ;;
    --console) show_console=1; shift ;;
    --) shift; break ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "vhost-net-guest: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ $# -gt 0 ] || { echo "vhost-net-guest: no command given (see --help)" >&2; exit 2; }

DG_NAME=vhost-net-guest
# shellcheck source=lib/debian-guest.sh
. "$(dirname "$0")/lib/debian-guest.sh"
die() { dg_die "$@"; }
dg_require_tools

# Modules the guest loads, each with its dependencies (from modules.dep) first.
EARLY_MODULES="virtio_pci 9pnet_virtio 9p"
LATE_MODULES="tun vhost_net"

# /init after the library's prologue (busybox, /proc, /sys, /dev, the early modules): mount the host
# root and the job directory, chroot, run the job, record its status, reboot.
INIT_SCRIPT="$(cat <<'INIT'
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 hostroot /mnt || finish "mount hostroot failed"
for m in @LATE@; do insmod /modules/$m || finish "insmod $m failed"; done
mount -t proc proc /mnt/proc
mount -t sysfs sys /mnt/sys
mount -t devtmpfs dev /mnt/dev
mkdir -p /mnt/dev/pts /mnt/dev/shm
mount -t devpts devpts /mnt/dev/pts
mount -t tmpfs tmp /mnt/dev/shm
# The guest gets its own writable /tmp; keep the host's in view first, for a checkout under /tmp.
mkdir -p /hosttmp
mount -o bind /mnt/tmp /hosttmp
mount -t tmpfs tmp /mnt/tmp
mount -t tmpfs run /mnt/run
mkdir -p /mnt/run/vhost-net-guest
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 job /mnt/run/vhost-net-guest || finish "mount job failed"
cwd="$(cat /mnt/run/vhost-net-guest/cwd)"
case "$cwd" in
  /tmp/*)
    # The whole directory under /tmp that holds the working directory: class paths name sibling modules.
    top="${cwd#/tmp/}"; top="${top%%/*}"
    mkdir -p "/mnt/tmp/$top" && mount -o bind "/hosttmp/$top" "/mnt/tmp/$top" || finish "bind /tmp/$top failed" ;;
esac
ip link set lo up 2>/dev/null
chroot /mnt /bin/sh -c 'cd "$(cat /run/vhost-net-guest/cwd)" && exec /bin/sh /run/vhost-net-guest/command' \
  > /mnt/run/vhost-net-guest/output 2>&1
echo $? > /mnt/run/vhost-net-guest/status
finish "job done"
INIT
)"

guest="$(dg_prepare "$cache" initramfs "$EARLY_MODULES" "$LATE_MODULES" "$INIT_SCRIPT")"
job="$(mktemp -d "${TMPDIR:-/tmp}/vhost-net-guest.XXXXXX")"
trap 'rm -rf "$job"' EXIT
pwd > "$job/cwd"
{
  printf 'exec'
  printf ' %q' "$@"
  printf '\n'
} > "$job/command"

rc=0
timeout --kill-after=5 "$timeout_s" qemu-system-x86_64 \
  -accel tcg,thread=multi -cpu max -smp 2 -m 1024 \
  -bios "$DG_QBOOT" -kernel "$guest/vmlinux" -initrd "$guest/initramfs.cpio.gz" \
  -append "console=ttyS0 quiet panic=-1 rdinit=/init" \
  -display none -monitor none -serial "file:$job/console.log" -no-reboot \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
  -virtfs "local,path=$job,mount_tag=job,security_model=none" \
  -nic none || rc=$?

[ "$show_console" = 1 ] && cat "$job/console.log"
[ -f "$job/output" ] && cat "$job/output"
if [ ! -f "$job/status" ]; then
  [ "$show_console" = 1 ] || tail -40 "$job/console.log" >&2
  die "the guest did not finish the command (qemu exit $rc)"
fi
exit "$(cat "$job/status")"
