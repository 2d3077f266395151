#!/usr/bin/env bash
# Runs one command in a throw-away QEMU guest booted from Debian's stock kernel, with this host's
# root file system shared read-only over 9p, and passes its output and exit status back. For tests
# that need a kernel feature this host lacks: /dev/vhost-net (--modules tun,vhost_net), /dev/kvm
# (--kvm), ...
#
# The guest is built from Debian packages, never installed on the host (by scripts/lib/debian-guest.sh,
# shared with scripts/qemu-guest.sh):
#   * linux-image-amd64's kernel package: fetched with `apt-get download`, unpacked with
#     `dpkg-deb -x` into the cache, modules.dep made with `depmod -b`, the uncompressed vmlinux cut
#     out of the bzImage (QEMU boots it through its PVH entry with qboot: about twice as fast);
#   * busybox-static for the initramfs' /init, plus the modules the guest needs to mount the host
#     root (virtio-pci, 9p) and the ones asked for.
# QEMU runs with software emulation (TCG), which works on every host: some hosts have no /dev/kvm,
# and a nested one may not boot a Linux kernel. `-cpu max` gives the guest AMD's SVM, so the guest
# has KVM of its own (nested in TCG) when it loads kvm_amd.
#
# Usage: scripts/linux-guest.sh [options] -- COMMAND [ARG...]
#   COMMAND runs as root in the guest, chrooted into the host's root (read-only; the directory
#   under /tmp holding a working directory there is bound in from the host's /tmp; otherwise /tmp,
#   /run and /dev are the guest's own), in the current directory. Its stdout and stderr are
#   printed here, after a line per loaded module set ("linux-guest: loaded tun vhost_net",
#   "linux-guest: /dev/kvm from kvm_amd"); the script exits with its exit status, or with 125 when
#   the guest could not run it (the console log is printed then).
#   --modules LIST  kernel modules to load (comma- or space-separated, with their dependencies),
#                   e.g. tun,vhost_net for /dev/vhost-net and /dev/net/tun
#   --kvm           load kvm and the vendor module for the guest's CPU: kvm_amd when its
#                   /proc/cpuinfo has svm, kvm_intel when it has vmx (both are in the image);
#                   fails when it has neither or /dev/kvm does not appear
#   --cache DIR     where the kernel package, vmlinux and the initramfs images are kept (default
#                   $LINUX_GUEST_CACHE, else $VHOST_NET_GUEST_CACHE (the old name), else
#                   ${XDG_CACHE_HOME:-~/.cache}/virtio4j/linux-guest). One image per module set
#                   and /init: changing either builds a new one, without a second download.
#   --timeout S     kill QEMU after S seconds (default 180)
#   --console       also print the guest's console log
#   --prepare-only  build (or find) the image, print its path and exit; no COMMAND
# Needs: qemu-system-x86 (qemu-system-x86_64, qboot.rom), busybox-static, apt-get/dpkg-deb, kmod
# (depmod), cpio, gzip, xz-utils.
set -euo pipefail

cache="${LINUX_GUEST_CACHE:-${VHOST_NET_GUEST_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/virtio4j/linux-guest}}"
timeout_s=180
show_console=0
modules=""
kvm=0
prepare_only=0
usage() { echo "linux-guest: $1 (see --help)" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --modules) [ $# -ge 2 ] || usage "--modules needs a list"; modules="$modules ${2//,/ }"; shift 2 ;;
    --kvm) kvm=1; shift ;;
    --cache) [ $# -ge 2 ] || usage "--cache needs a directory"; cache="$2"; shift 2 ;;
    --timeout) [[ "${2:-}" =~ ^[0-9]+$ ]] || usage "--timeout needs seconds"; timeout_s="$2"; shift 2 ;;
    --console) show_console=1; shift ;;
    --prepare-only) prepare_only=1; shift ;;
    --) shift; break ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) usage "unknown option $1" ;;
  esac
done
read -r -a mod_list <<< "$modules"
modules="${mod_list[*]}"
for m in "${mod_list[@]}"; do
  [[ "$m" =~ ^[A-Za-z0-9_-]+$ ]] || usage "not a module name: $m"
done
[ "$prepare_only" = 1 ] || [ $# -gt 0 ] || usage "no command given"

DG_NAME=linux-guest
# shellcheck source=lib/debian-guest.sh
. "$(dirname "$0")/lib/debian-guest.sh"
die() { dg_die "$@"; }
dg_require_tools

# Modules the guest loads before it mounts the host root; the others go in the image as well.
EARLY_MODULES="virtio_pci 9pnet_virtio 9p"
LATE_MODULES="$modules"
[ "$kvm" = 1 ] && LATE_MODULES="$LATE_MODULES kvm_amd kvm_intel"

# /init after the library's prologue (busybox, /proc, /sys, /dev, the early modules): mount the host
# root and the job directory, load the modules, chroot, run the job, record its status, reboot.
# The first lines set what this image loads: they are part of its recipe.
INIT_SCRIPT="modules='$modules'
kvm=$kvm
$(cat <<'INIT'
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 hostroot /mnt || finish "mount hostroot failed"
mount -t tmpfs run /mnt/run
mkdir -p /mnt/run/linux-guest
job=/mnt/run/linux-guest
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 job $job || finish "mount job failed"
: > $job/output
if [ -n "$modules" ]; then
  for m in $modules; do load_module $m || finish "insmod $m failed"; done
  echo "linux-guest: loaded $modules" >> $job/output
fi
if [ "$kvm" = 1 ]; then
  # The vendor module for the CPU QEMU gives the guest: -cpu max under TCG has svm.
  if grep -qw svm /proc/cpuinfo; then kvm_module=kvm_amd
  elif grep -qw vmx /proc/cpuinfo; then kvm_module=kvm_intel
  else finish "kvm: the guest CPU has neither svm nor vmx"
  fi
  load_module $kvm_module || finish "insmod $kvm_module failed"
  [ -c /dev/kvm ] || finish "kvm: no /dev/kvm after loading $kvm_module"
  echo "linux-guest: /dev/kvm from $kvm_module" >> $job/output
fi
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
cwd="$(cat $job/cwd)"
case "$cwd" in
  /tmp/*)
    # The whole directory under /tmp that holds the working directory: class paths name sibling modules.
    top="${cwd#/tmp/}"; top="${top%%/*}"
    mkdir -p "/mnt/tmp/$top" && mount -o bind "/hosttmp/$top" "/mnt/tmp/$top" || finish "bind /tmp/$top failed" ;;
esac
ip link set lo up 2>/dev/null
chroot /mnt /bin/sh -c 'cd "$(cat /run/linux-guest/cwd)" && exec /bin/sh /run/linux-guest/command' \
  >> $job/output 2>&1
echo $? > $job/status
finish "job done"
INIT
)"

image="$(dg_prepare "$cache" initramfs "$EARLY_MODULES" "$LATE_MODULES" "$INIT_SCRIPT")"
if [ "$prepare_only" = 1 ]; then
  echo "$image"
  exit 0
fi
job="$(mktemp -d "${TMPDIR:-/tmp}/linux-guest.XXXXXX")"
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
  -bios "$DG_QBOOT" -kernel "${image%/*}/vmlinux" -initrd "$image" \
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
