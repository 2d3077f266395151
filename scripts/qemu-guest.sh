#!/usr/bin/env bash
# Boots one throw-away Linux guest whose only NIC is a virtio-net-pci on a vhost-user socket, sets
# up its eth0, runs a list of shell commands in it and powers it off. For attaching real VMs to a
# vhost-user switch (the virtio4j switch, OVS-DPDK, DPDK's net_vhost) in tests and demos.
#
# The guest is Debian's stock kernel plus busybox-static (ip, ping, arping, ...) in an initramfs,
# built by scripts/lib/debian-guest.sh from Debian packages and cached, never installed on the host.
# QEMU runs with software emulation (TCG, this machine's /dev/kvm cannot boot Linux) and its RAM
# in a shared memfd, which vhost-user needs: the back-end maps the guest's memory from the fds it
# is sent. vectors=0 keeps the NIC on INTx: QEMU 7.2 under TCG crashes when a vhost-user NIC with
# MSI-X starts.
#
# Usage: scripts/qemu-guest.sh --socket PATH --ip ADDR/PREFIX [options] -- COMMAND...
#   Each COMMAND is one shell command line, run in order inside the guest by busybox sh.
#   --socket PATH     the vhost-user socket
#   --server          QEMU listens on PATH (server=on,wait=off) and the back-end connects (QEMU
#                     waits for that connection before it starts the guest, wait=off or not);
#                     default: QEMU connects to a listening back-end and retries every second
#                     (reconnect=1) until it is there, also after the back-end restarts
#   --ip ADDR/PREFIX  eth0's address, e.g. 10.0.1.10/24
#   --gateway ADDR    default route via ADDR
#   --mac MAC         eth0's MAC (default 52:54:00:12:34:56)
#   --queues N        queue pairs (multiqueue: also gives the guest N vCPUs, since Linux uses
#                     min(queues, CPUs) pairs); default 1
#   --packed          the NIC offers packed virtqueues (packed=on: VIRTIO_F_RING_PACKED, bit 34)
#   --nic-options OPTS  more virtio-net-pci properties, comma-separated, e.g.
#                     csum=off,guest_csum=off,host_tso4=off,guest_tso4=off (a guest that takes no
#                     checksum or segmentation offload from its back-end)
#   --binary PATH     copy the executable PATH into the guest (at the same path, with the shared
#                     libraries ldd lists and the dynamic loader), e.g. $(command -v iperf3);
#                     may be given more than once
#   --accel tcg|kvm   software emulation (default; -cpu max) or KVM (-cpu host; needs a /dev/kvm
#                     that boots Linux guests, which a nested PVM one does not)
#   --memory MB       guest RAM (default 256)
#   --console FILE    write the guest's serial console here (default: a temporary file)
#   --timeout S       kill QEMU after S seconds (default 120)
#   --cache DIR       where the kernel and initramfs are kept
#                     (default $QEMU_GUEST_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/virtio4j/qemu-guest)
#   --dry-run         print the QEMU command line instead of running it
# What the guest prints (on the console, and here on stdout once QEMU has exited), one line each:
#   qemu-guest: eth0 mac=MAC ip=ADDR/PREFIX gateway=ADDR features=BITS   (eth0 is configured)
#   qemu-guest: run N: COMMAND                                            (then its output)
#   qemu-guest: exit N STATUS                                             (COMMAND N ended)
#   qemu-guest: done                                                      (all ran; powering off)
# Exit status: 0 when every command exited 0, 1 when one did not, 2 for a wrong command line,
# 125 when the guest did not run them all (the console's last lines go to stderr).
set -euo pipefail

cache="${QEMU_GUEST_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/virtio4j/qemu-guest}"
socket="" server=0 ip="" gateway="" mac="52:54:00:12:34:56" queues=1 packed=0 nic_options="" memory=256 console="" timeout_s=120 dry_run=0
binaries=()
accel=tcg
usage() { echo "qemu-guest: $1 (see --help)" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --socket) socket="$2"; shift 2 ;;
    --server) server=1; shift ;;
    --ip) ip="$2"; shift 2 ;;
    --gateway) gateway="$2"; shift 2 ;;
    --mac) mac="$2"; shift 2 ;;
    --queues) queues="$2"; shift 2 ;;
    --packed) packed=1; shift ;;
    --nic-options) nic_options="$2"; shift 2 ;;
    --binary) binaries+=("$2"); shift 2 ;;
    --accel) accel="$2"; shift 2 ;;
    --memory) memory="$2"; shift 2 ;;
    --console) console="$2"; shift 2 ;;
    --timeout) timeout_s="$2"; shift 2 ;;
    --cache) cache="$2"; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    --) shift; break ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) usage "unknown option $1" ;;
  esac
done
[ -n "$socket" ] || usage "--socket is required"
[[ "$ip" =~ ^([0-9]{1,3}\.){3}[0-9]{1,3}/[0-9]{1,2}$ ]] || usage "--ip needs ADDR/PREFIX, e.g. 10.0.1.10/24"
[ -z "$gateway" ] || [[ "$gateway" =~ ^([0-9]{1,3}\.){3}[0-9]{1,3}$ ]] || usage "--gateway needs an IPv4 address"
[[ "$mac" =~ ^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$ ]] || usage "--mac needs six hex bytes, e.g. 52:54:00:00:01:10"
[[ "$queues" =~ ^[0-9]+$ ]] && [ "$queues" -ge 1 ] && [ "$queues" -le 16 ] || usage "--queues must be 1..16"
[ -z "$nic_options" ] || [[ "$nic_options" =~ ^[a-z0-9_]+=[a-z0-9_]+(,[a-z0-9_]+=[a-z0-9_]+)*$ ]] \
  || usage "--nic-options needs NAME=VALUE[,NAME=VALUE...], e.g. csum=off,guest_csum=off"
case "$accel" in
  tcg) accel_args=(-accel tcg,thread=multi -cpu max) ;;
  kvm) accel_args=(-accel kvm -cpu host) ;;
  *) usage "--accel is tcg or kvm" ;;
esac
for b in "${binaries[@]}"; do
  [ -x "$b" ] && [ -f "$b" ] || usage "--binary $b is not an executable file"
done
[[ "$memory" =~ ^[0-9]+$ ]] && [ "$memory" -ge 128 ] || usage "--memory must be at least 128 (MB)"
[ $# -gt 0 ] || usage "no command given"
for cmd in "$@"; do
  case "$cmd" in *$'\n'*) usage "a command must be one line: $cmd" ;; esac
done

DG_NAME=qemu-guest
# shellcheck source=lib/debian-guest.sh
. "$(dirname "$0")/lib/debian-guest.sh"
dg_require_tools

# /init after the library's prologue (busybox, /proc, /sys, /dev, virtio-net loaded): eth0 from the
# kernel command line (v4j.ip=, v4j.gw=), then the commands from /job/commands (a second archive
# the kernel unpacks over the cached one), then reboot, which ends QEMU (-no-reboot).
INIT_SCRIPT="$(cat <<'INIT'
ip=""; gw=""
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    v4j.ip=*) ip="${arg#v4j.ip=}" ;;
    v4j.gw=*) gw="${arg#v4j.gw=}" ;;
  esac
done
ip link set lo up
n=0
while [ ! -e /sys/class/net/eth0 ]; do
  n=$((n + 1)); [ $n -gt 100 ] && finish "no eth0 after 10 s"
  usleep 100000
done
ip addr add "$ip" dev eth0 || finish "ip addr add $ip failed"
ip link set eth0 up || finish "eth0 does not come up"
[ -z "$gw" ] || ip route add default via "$gw" || finish "ip route add default via $gw failed"
echo "qemu-guest: eth0 mac=$(cat /sys/class/net/eth0/address) ip=$ip gateway=${gw:-none} features=$(cat /sys/class/net/eth0/device/features)"
n=0
while IFS= read -r cmd; do
  n=$((n + 1))
  echo "qemu-guest: run $n: $cmd"
  sh -c "$cmd" < /dev/null 2>&1
  echo "qemu-guest: exit $n $?"
done < /job/commands
finish done
INIT
)"

# virtio_net pulls in virtio_ring, virtio and net_failover; virtio_pci the PCI transport.
MODULES="virtio_pci virtio_net"

image="$(dg_prepare "$cache" qemu-net "$MODULES" "" "$INIT_SCRIPT")"
job="$(mktemp -d "${TMPDIR:-/tmp}/qemu-guest.XXXXXX")"
trap 'rm -rf "$job"' EXIT
[ -n "$console" ] || console="$job/console.log"
mkdir -p "$job/extra/job"
printf '%s\n' "$@" > "$job/extra/job/commands"
# Each --binary with what the dynamic loader needs to start it there: the libraries ldd resolves
# (by their host paths, which the binary asks for) and the loader itself (the "/lib64/ld-..." line).
for b in "${binaries[@]}"; do
  for f in "$b" $(ldd "$b" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
    mkdir -p "$job/extra$(dirname "$f")"
    cp -L "$f" "$job/extra$f"
  done
done
# Linux unpacks concatenated initramfs archives in order: the job's commands join the cached image.
{
  cat "$image"
  (cd "$job/extra" && find . | cpio -o -H newc --quiet | gzip -1)
} > "$job/initrd.cpio.gz"

if [ "$server" = 1 ]; then
  chardev="socket,id=vu0,path=$socket,server=on,wait=off"
else
  chardev="socket,id=vu0,path=$socket,reconnect=1"
fi
nic="virtio-net-pci,netdev=net0,mac=$mac,vectors=0"
[ "$queues" -gt 1 ] && nic="$nic,mq=on"
[ "$packed" = 1 ] && nic="$nic,packed=on"
[ -z "$nic_options" ] || nic="$nic,$nic_options"
qemu=(qemu-system-x86_64
  "${accel_args[@]}" -smp "$queues" -m "$memory"
  -object "memory-backend-memfd,id=mem,size=${memory}M,share=on" -numa node,memdev=mem
  -bios "$DG_QBOOT" -kernel "${image%/*}/vmlinux" -initrd "$job/initrd.cpio.gz"
  -append "console=ttyS0 quiet panic=-1 rdinit=/init v4j.ip=$ip v4j.gw=$gateway"
  -display none -monitor none -serial "file:$console" -no-reboot -nodefaults
  -chardev "$chardev"
  -netdev "vhost-user,id=net0,chardev=vu0,queues=$queues"
  -device "$nic")
if [ "$dry_run" = 1 ]; then
  printf '%q ' "${qemu[@]}"; echo
  exit 0
fi

rc=0
timeout --kill-after=5 "$timeout_s" "${qemu[@]}" || rc=$?
if ! grep -qs '^qemu-guest: done' "$console"; then
  tail -40 "$console" >&2 2>/dev/null || true
  dg_die "the guest did not run all commands (qemu exit $rc)"
fi
sed -n '/^qemu-guest: eth0 /,$p' "$console"
if grep -Eq '^qemu-guest: exit [0-9]+ [1-9]' "$console"; then
  exit 1
fi
exit 0
