#!/usr/bin/env bash
# Guest-to-guest TCP throughput between two QEMU Linux guests through four vhost-user back-ends,
# in the same run (issue 15, "Goals"; docs/qemu-guests.md, "Guest TCP benchmark").
#
#   bench/guest-tcp.sh [--rounds N] [--seconds S] [--backends LIST] [--accel auto|tcg|kvm] [--keep DIR]
#   (or ROUNDS, DURATION, BACKENDS, ACCEL in the environment)
#
# Two guests of scripts/qemu-guest.sh (Debian's kernel and busybox, with the host's iperf3 and its
# libraries copied in: --binary), vm1 10.0.0.1/24 and vm2 10.0.0.2/24, one queue pair and one vCPU
# each, QEMU's default virtio-net-pci (csum, guest_csum, host/guest_tso4/6 and mrg_rxbuf offered by
# the NIC; each back-end offers what it has). vm1 runs "iperf3 -s -1" twice; vm2 runs
# "iperf3 -c 10.0.0.1 -t S -O 1 -f m -V" (vm2 sends) and the same with -R (vm1 sends). The figure is
# iperf3's receiver line (Gbit/s of TCP payload over S seconds, the first second omitted).
# Back-ends (BACKENDS, default all four; rounds rotate them, round r starting with the r-th):
#   ours       the switch daemon as users start it, ./virtio4j switch --config FILE: two
#              vhost-user-server ports on VLAN 10 with the default offloads (csum,tso4,tso6)
#   ours-none  the same with "offloads = none" on both ports: the guests segment and checksum
#              every frame themselves (what the switch did before issue 15)
#   ovs        OVS-DPDK 3.1 (ovs-vswitchd-dpdk), datapath_type=netdev, one PMD,
#              other_config:userspace-tso-enable=true, two dpdkvhostuserclient ports (QEMU listens:
#              qemu-guest.sh --server), the bridge's default NORMAL flow
#   dpdk       dpdk-testpmd with two net_vhost ports (tso=1: HOST_TSO4/6 offered; lib/vhost
#              offers the checksum and guest TSO bits itself), io forwarding between them
# Placement: the back-end alone on CPU 1 (the daemon's whole JVM under taskset -c 1, testpmd's
# forwarding lcore, OVS's PMD and process), both guests' QEMU on CPU 0. Accelerator (--accel):
# auto (default) is KVM when /dev/kvm can be opened, else TCG (software emulation, where the
# guests' CPU is the limit); --accel tcg on a host whose /dev/kvm cannot boot Linux guests (a nested
# PVM one: the shared notes).
#
# Besides Gbit/s each run reports, over the first iperf3 test (vm2 -> vm1): the back-end's CPU (its
# processes' user+system time from /proc over the same wall time, in % of one CPU: a polling
# back-end shows 100), both QEMU processes' CPU (the guests as the host sees them), and the sending
# guest's own CPU as iperf3 -V reports it ("local/sender"). Each run checks that each back-end negotiated what
# it should: the guests' /sys/class/net/eth0/device/features must have CSUM (bit 0) and HOST_TSO4
# (bit 11) for every back-end but ours-none, and none of them for ours-none.
# The summary: median and best Gbit/s per back-end and direction, the median CPU figures, and the
# same-run ratios ours/ovs, ours/dpdk, ours/ours-none of the medians.
#
# Needs root (hugepages, OVS), qemu-system-x86, busybox-static, cpio, xz-utils (scripts/qemu-guest.sh),
# iperf3 (apt-get install iperf3), dpdk-testpmd (apt: dpdk), ovs-vswitchd-dpdk (apt:
# openvswitch-switch-dpdk), 2 CPUs. Everything it starts (QEMU, back-ends, sockets, hugepage files,
# the ovsdb) is stopped and removed on exit and on Ctrl-C; --keep DIR keeps the logs (per run: both
# guests' consoles, the back-end's log).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10}
BACKENDS=${BACKENDS:-ours ours-none ovs dpdk}
ACCEL=${ACCEL:-auto}
KEEP=
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --seconds) DURATION=$2; shift 2 ;;
    --backends) BACKENDS=${2//,/ }; shift 2 ;;
    --accel) ACCEL=$2; shift 2 ;;
    --keep) KEEP=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "guest-tcp: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
BACKENDS=${BACKENDS//,/ }
for b in $BACKENDS; do case $b in ours|ours-none|ovs|dpdk) ;; *) echo "guest-tcp: unknown back-end $b" >&2; exit 2 ;; esac; done
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] && [[ "$DURATION" =~ ^[1-9][0-9]*$ ]] || { echo "guest-tcp: --rounds and --seconds need a positive number" >&2; exit 2; }

case $ACCEL in
  auto) if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then ACCEL=kvm; else ACCEL=tcg; fi ;;
  tcg|kvm) ;;
  *) echo "guest-tcp: --accel is auto, tcg or kvm" >&2; exit 2 ;;
esac
BENCH=guest-tcp
prefix=v4jg$$                     # DPDK file prefixes: v4jg<pid>-be, -ovs
# shellcheck source=lib/common.sh
. bench/lib/common.sh
[ "$(id -u)" = 0 ] || die "needs root (hugepages, OVS-DPDK)"
[ "$(nproc)" -ge 2 ] || die "needs CPUs 0 and 1"
IPERF3=$(command -v iperf3) || die "needs iperf3 (apt-get install iperf3)"
case " $BACKENDS " in *" dpdk "*) command -v dpdk-testpmd >/dev/null || die "needs dpdk-testpmd (apt-get install dpdk)" ;; esac
case " $BACKENDS " in *" ovs "*) [ -x "$OVS_VSWITCHD" ] || die "needs $OVS_VSWITCHD (apt-get install openvswitch-switch-dpdk)" ;; esac
case " $BACKENDS " in *" ovs "*|*" dpdk "*) hugepages_ready 512 ;; esac
CLK_TCK=$(getconf CLK_TCK)
IP1=10.0.0.1; IP2=10.0.0.2
MAC1=52:54:00:00:0a:01; MAC2=52:54:00:00:0a:02

echo "guest-tcp: building the daemon (./virtio4j builds what is stale) ..." >&2
./virtio4j help > /dev/null 2>&1 || true
[ -f samples/target/samples-0.1.0-SNAPSHOT.jar ] || die "the daemon did not build (./mvnw -q -B -DskipTests package)"
# The guest image is built (and cached) on first use; build it now so no run's time includes it.
scripts/qemu-guest.sh --socket "$work/none.sock" --ip 10.0.0.9/24 --dry-run -- true > /dev/null \
  || die "scripts/qemu-guest.sh cannot build its guest"

# ---------------------------------------------------------------- the back-ends
# NAME_start DIR starts the back-end on DIR/vm1.sock and DIR/vm2.sock and adds its processes to
# be_pids (run_one empties it first); QEMU_SERVER says whether the guests' QEMU must listen (the
# back-end connects).
be_pids=()
QEMU_SERVER=0

ours_conf() { # DIR OFFLOADS-LINE
  {
    printf '[switch]\ncontrol = ctl.sock\n'
    for vm in vm1 vm2; do
      printf '\n[port %s]\ntype = vhost-user-server\npath = %s.sock\nvlan = 10\n%s' "$vm" "$vm" "$2"
    done
  } > "$1/switch.conf"
}
ours_start() { ours_conf "$1" ""; ours_daemon_start "$1" "$1/vm2.sock" "" taskset -c 1; QEMU_SERVER=0; }
ours-none_start() { ours_conf "$1" $'offloads = none\n'; ours_daemon_start "$1" "$1/vm2.sock" "" taskset -c 1; QEMU_SERVER=0; }

ovs_start() { # DIR
  ovs_daemons "$1/ovs" "$prefix-ovs" userspace-tso-enable=true || return 1
  ovs --timeout=60 add-br br0 -- set bridge br0 datapath_type=netdev \
    -- add-port br0 vm1 -- set Interface vm1 type=dpdkvhostuserclient options:vhost-server-path="$1/vm1.sock" \
    -- add-port br0 vm2 -- set Interface vm2 type=dpdkvhostuserclient options:vhost-server-path="$1/vm2.sock" \
    || return 1
  QEMU_SERVER=1
}

dpdk_start() { # DIR
  stdbuf -oL dpdk-testpmd -l 0,1 --main-lcore 0 --file-prefix "$prefix-be" -m 512 --no-pci \
    --vdev "net_vhost0,iface=$1/vm1.sock,queues=1,tso=1" --vdev "net_vhost1,iface=$1/vm2.sock,queues=1,tso=1" -- \
    --nb-cores=1 --rxq=1 --txq=1 --rxd=1024 --txd=1024 --total-num-mbufs=65536 --forward-mode=io --stats-period 3600 \
    < /dev/null > "$1/be.log" 2>&1 &
  be_pids=($!); pids+=($!)
  wait_for 300 "testpmd's vhost sockets" test -S "$1/vm2.sock" || return 1
  QEMU_SERVER=0
}

# ---------------------------------------------------------------- CPU accounting
# User+system clock ticks of PIDs and all their descendants (each process's /proc/PID/stat counts
# all its threads; the tree comes from ps, as /proc's "children" files need CONFIG_PROC_CHILDREN).
tree_ticks() { # PID...
  local pid total=0
  for pid in $(ps -e -o pid=,ppid= | awk -v roots=" $* " '
      {parent[$1] = $2} END {
        n = split(roots, r, " "); for (i = 1; i <= n; i++) keep[r[i]] = 1
        do {changed = 0; for (p in parent) if (!(p in keep) && (parent[p] in keep)) {keep[p] = 1; changed = 1}} while (changed)
        for (p in keep) print p}'); do
    total=$((total + $(awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

# ---------------------------------------------------------------- one run
# Sets result="FWD_GBPS REV_GBPS BACKEND_CPU% QEMU_CPU% SENDER_CPU%" of BACKEND; returns 1 if it failed.
result=
run_one() { # BACKEND DIR
  local be=$1 dir=$2 ok=1 server=() g1 g2 be0 q0 be1 q1 t0 t1
  result= be_pids=()
  mkdir -p "$dir"
  "${be}_start" "$dir" || { echo "guest-tcp: $be did not start" >&2; stop_run "${be_pids[@]}"; return 1; }
  [ "$QEMU_SERVER" = 1 ] && server=(--server)
  local timeout=$((4 * DURATION + 240))
  # Each guest in a process group of its own (setsid), so that an interrupt stops its QEMU too.
  # iperf3 by its host path (--binary puts it there; the guest's PATH is busybox's /bin). The client
  # retries until the server listens (vm1 boots in parallel; its second server starts after the
  # first test), for a minute at most.
  local client="n=0; until $IPERF3 -c $IP1 -t $DURATION -O 1 -f m -V"
  local retry="do n=\$((n + 1)); [ \$n -lt 60 ] || exit 1; sleep 1; done"
  setsid taskset -c 0 scripts/qemu-guest.sh --accel "$ACCEL" --socket "$dir/vm1.sock" "${server[@]}" --ip "$IP1/24" --mac "$MAC1" \
    --binary "$IPERF3" --console "$dir/vm1.console" --timeout "$timeout" -- "$IPERF3 -s -1" "$IPERF3 -s -1" \
    > "$dir/vm1.out" 2>&1 &
  g1=$!; pgroups+=("$g1")
  setsid taskset -c 0 scripts/qemu-guest.sh --accel "$ACCEL" --socket "$dir/vm2.sock" "${server[@]}" --ip "$IP2/24" --mac "$MAC2" \
    --binary "$IPERF3" --console "$dir/vm2.console" --timeout "$timeout" -- \
    "n=0; until ping -c 1 -W 1 $IP1 > /dev/null; do n=\$((n + 1)); [ \$n -lt 120 ] || exit 1; done" \
    "$client; $retry" "$client -R; $retry" > "$dir/vm2.out" 2>&1 &
  g2=$!; pgroups+=("$g2")
  # The CPU window: vm2's first iperf3 (vm2 -> vm1), while both guests' QEMU surely run (vm1 has
  # its second test ahead; after it, vm1 powers off and its QEMU's ticks would leave the sum).
  if wait_for $((timeout * 10)) "vm2's first iperf3" grep -q '^qemu-guest: run 2:' "$dir/vm2.console"; then
    t0=$(date +%s.%N); be0=$(tree_ticks "${be_pids[@]}"); q0=$(tree_ticks "$g1" "$g2")
    if wait_for $((timeout * 10)) "vm2's first iperf3's end" grep -q '^qemu-guest: exit 2 ' "$dir/vm2.console"; then
      t1=$(date +%s.%N); be1=$(tree_ticks "${be_pids[@]}"); q1=$(tree_ticks "$g1" "$g2")
    else ok=0; fi
  else ok=0; fi
  wait "$g2" || ok=0
  wait "$g1" || ok=0
  pgroups=()
  [ "$be" = ovs ] && { ovs_appctl exit > /dev/null 2>&1 || true; }
  stop_run "${be_pids[@]}"
  [ $ok = 1 ] || { echo "guest-tcp: $be: a guest failed (vm1.out, vm2.out, consoles)" >&2; return 1; }
  offloads_negotiated "$be" "$dir" || return 1
  # iperf3's receiver lines: the first for vm2 -> vm1, the second (-R) for vm1 -> vm2.
  local rates sender
  # (The guest's console ends its lines with CR LF.)
  rates=$(tr -d '\r' < "$dir/vm2.out" | awk '/ receiver$/ {for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") r = r " " $i / 1000} END {print r}')
  sender=$(tr -d '\r' < "$dir/vm2.out" | sed -n 's/.*local\/sender \([0-9.]*\)%.*/\1/p' | head -1)
  read -r fwd rev <<< "$rates"
  [ -n "${rev:-}" ] || { echo "guest-tcp: $be: no iperf3 receiver lines in vm2.out" >&2; return 1; }
  result=$(awk -v f="$fwd" -v r="$rev" -v b="$((be1 - be0))" -v q="$((q1 - q0))" -v s="${sender:-0}" \
    -v t0="$t0" -v t1="$t1" -v hz="$CLK_TCK" \
    'BEGIN {w = t1 - t0; printf "%.3f %.3f %.0f %.0f %.0f\n", f, r, 100 * b / hz / w, 100 * q / hz / w, s}')
}

# Bits 0 (CSUM) and 11 (HOST_TSO4) of both guests' negotiated features (the "features=" of
# qemu-guest.sh's eth0 line): set for every back-end but ours-none, clear there.
offloads_negotiated() { # BACKEND DIR
  local want=1 vm bits
  [ "$1" = ours-none ] && want=0
  for vm in vm1 vm2; do
    bits=$(tr -d '\r' < "$2/$vm.out" | sed -n 's/^qemu-guest: eth0 .*features=\([01]*\).*/\1/p')
    if [ "${bits:0:1}${bits:11:1}" != "$want$want" ]; then
      echo "guest-tcp: $1: $vm negotiated features $bits: CSUM and HOST_TSO4 should be $want" >&2
      return 1
    fi
  done
}

# ---------------------------------------------------------------- rounds
read -r -a backends <<< "$BACKENDS"
busy_warning
results=$work/results.tsv
: > "$results"
echo "guest-tcp: $ROUNDS rounds x back-ends [$BACKENDS], 2 x ${DURATION}s of iperf3 each; guests on CPU 0 under" \
  "$ACCEL, back-end on CPU 1; load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
  for i in $(seq 0 $((${#backends[@]} - 1))); do
    be=${backends[$(( (i + round - 1) % ${#backends[@]} ))]}
    if run_one "$be" "$work/r$round-$be"; then
      read -r fwd rev bcpu qcpu scpu <<< "$result"
    else
      echo "guest-tcp: round $round $be FAILED (logs: r$round-$be, kept with --keep)" >&2
      fwd=0 rev=0 bcpu=0 qcpu=0 scpu=0
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$be" "$round" "$fwd" "$rev" "$bcpu" "$qcpu" "$scpu" >> "$results"
    printf 'round %d  %-9s vm2->vm1 %7.3f Gbit/s  vm1->vm2 %7.3f Gbit/s  back-end CPU %3s%%  QEMU CPU %3s%%  sender CPU %3s%%\n' \
      "$round" "$be" "$fwd" "$rev" "$bcpu" "$qcpu" "$scpu"
  done
done

# ---------------------------------------------------------------- summary
stat() { # BACKEND COLUMN(3 fwd, 4 rev, 5 back-end CPU, 6 QEMU CPU, 7 sender CPU) -> "median best"
  awk -F'\t' -v b="$1" -v k="$2" '$1 == b && $3 > 0 {print $k}' "$results" | median_best MAX
}
echo
echo "Median / best over $ROUNDS rounds (Gbit/s of TCP payload, iperf3's receiver); CPU: medians, % of one CPU."
printf '| %-9s | %-17s | %-17s | %-12s | %-9s | %-10s |\n' back-end "vm2->vm1 med/best" "vm1->vm2 med/best" "back-end CPU" "QEMU CPU" "sender CPU"
printf '|---|---|---|---|---|---|\n'
declare -A med=()
for be in $BACKENDS; do
  read -r fm fb <<< "$(stat "$be" 3)"; read -r rm rb <<< "$(stat "$be" 4)"
  read -r bc _ <<< "$(stat "$be" 5)"; read -r qc _ <<< "$(stat "$be" 6)"; read -r sc _ <<< "$(stat "$be" 7)"
  med[$be]="$fm $rm"
  printf '| %-9s | %-17s | %-17s | %-12s | %-9s | %-10s |\n' "$be" "$fm / $fb" "$rm / $rb" "$bc" "$qc" "$sc"
done
if [ -n "${med[ours]:-}" ]; then
  line="ratios of the medians (vm2->vm1, vm1->vm2):"
  read -r of orv <<< "${med[ours]}"
  for other in ovs dpdk ours-none; do
    [ -n "${med[$other]:-}" ] || continue
    read -r xf xr <<< "${med[$other]}"
    line+=" ours/$other $(ratio "$of" "$xf"), $(ratio "$orv" "$xr");"
  done
  echo "$line"
fi
busy_warning
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
