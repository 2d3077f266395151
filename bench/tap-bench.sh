#!/usr/bin/env bash
# Frames per second through a TAP, virtio4j's tap: backend side by side with DPDK's net_tap PMD,
# in the same run, against the same kernel sink and source. 64-byte UDP frames.
#
#   guest->TAP  ours: TapBenchGuest tx (VirtioNetDevice + virtio-mmio + tap: backend, the in-process
#               driver keeps the transmit ring full)   vs   dpdk-testpmd net_tap txonly.
#               Sink: the kernel itself; the frames go to a MAC nobody has and are dropped on
#               arrival (PACKET_OTHERHOST), in the writer's own syscall.
#   TAP->guest  ours: TapBenchGuest rx (receive ring of 2 KiB mergeable buffers)   vs   dpdk-testpmd
#               net_tap rxonly. Source: a second dpdk-testpmd, net_af_packet txonly on the TAP
#               (TPACKET ring, one sendto per burst, qdisc bypassed), on its own core; it offers
#               more than either sink takes (the TAP's tx_dropped shows the surplus), so it is
#               not the bottleneck.
#
# DPDK's net_tap receives only after a SIGIO: it sets O_ASYNC on its queue fds and pmd_rx_burst
# returns at once unless its signal handler bumped a counter since the last burst; the kernel
# sends that signal from the sender's context (tun_net_xmit -> kill_fasync), so it bounds both the
# PMD's receive rate and the source feeding it (the small surplus in its rows shows that).
# Both sinks are counted the same way, by the TAP's own counters (rx_packets: frames written into
# the TAP; tx_packets: frames read from it), after a warm-up, never by the program measured.
# CPU: the side measured runs on CPU $SINK_CPU only (our driver thread and backend worker share
# it; testpmd's forwarding lcore is pinned there); the source on CPU $SOURCE_CPU.
# The machine is shared and has slow phases: rounds alternate the two sides; compare best runs.
#
# Needs root, /dev/net/tun, dpdk-testpmd with the net_tap and net_af_packet PMDs, 2 CPUs.
# Environment: ROUNDS (3), SECONDS_RUN (5), WARMUP (3), SINK_CPU (1), SOURCE_CPU (0).
set -euo pipefail
cd "$(dirname "$0")/.."
. .mvn/find-jdk.sh

ROUNDS=${ROUNDS:-3}
SECONDS_RUN=${SECONDS_RUN:-5}
WARMUP=${WARMUP:-3}
SINK_CPU=${SINK_CPU:-1}
SOURCE_CPU=${SOURCE_CPU:-0}
IF=v4jbench$$
IF=${IF:0:15}

[ "$(id -u)" = 0 ] || { echo "tap-bench: needs root (TAP devices)" >&2; exit 1; }
command -v dpdk-testpmd >/dev/null || { echo "tap-bench: needs dpdk-testpmd (apt-get install dpdk)" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ip link del "$IF" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

./mvnw -q -B -o -pl backend-tap -am test-compile dependency:build-classpath \
  -Dmdep.outputFile="$work/cp" -Dmdep.includeScope=test
classpath="backend-tap/target/test-classes:backend-tap/target/classes:backend-spi/target/test-classes:backend-spi/target/classes"
classpath="$classpath:vring-impl/target/classes:virtio-api/target/test-classes:virtio-api/target/classes:$(cat "$work/cp")"

counter() { cat "/sys/class/net/$IF/statistics/$1"; }

wait_up() {
  for _ in $(seq 100); do
    ip link show dev "$IF" 2>/dev/null | grep -q '[<,]UP[,>]' && return 0
    sleep 0.1
  done
  echo "tap-bench: $IF did not come up; logs in $work" >&2
  cat "$work"/*.log >&2
  exit 1
}

# Frames per second of counter $1 over SECONDS_RUN after WARMUP; also the surplus counter $2 if given.
measure() {
  sleep "$WARMUP"
  local c0 d0 t0 c1 d1 t1
  c0=$(counter "$1"); d0=$(counter "${2:-$1}"); t0=$(date +%s.%N)
  sleep "$SECONDS_RUN"
  c1=$(counter "$1"); d1=$(counter "${2:-$1}"); t1=$(date +%s.%N)
  rate=$(awk -v c="$((c1 - c0))" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", c / (b - a) }')
  surplus=$(awk -v c="$((d1 - d0))" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", c / (b - a) }')
}

ours() { # $1 = tx | rx
  taskset -c "$SINK_CPU" "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp "$classpath" \
    io.virtio4j.tap.bench.TapBenchGuest "$1" "$IF" $((WARMUP + SECONDS_RUN + 30)) >"$work/ours.log" 2>&1 &
  sink=$!; pids+=("$sink")
}

testpmd_tap() { # $1 = txonly | rxonly
  dpdk-testpmd -l "$SOURCE_CPU,$SINK_CPU" --main-lcore "$SOURCE_CPU" --no-huge -m 256 --no-pci --file-prefix "v4jsink$$" \
    --vdev "net_tap0,iface=$IF" -- --forward-mode="$1" --txpkts=64 --total-num-mbufs=16384 --stats-period 1 </dev/null >"$work/testpmd.log" 2>&1 &
  sink=$!; pids+=("$sink")
}

source_start() {
  dpdk-testpmd -l "$SOURCE_CPU,$SINK_CPU" --main-lcore "$SINK_CPU" --no-huge -m 256 --no-pci --file-prefix "v4jsrc$$" \
    --vdev "net_af_packet0,iface=$IF,qpairs=1" -- --forward-mode=txonly --txpkts=64 --total-num-mbufs=16384 --stats-period 1 \
    </dev/null >"$work/source.log" 2>&1 &
  source=$!; pids+=("$source")
}

stop() { kill -INT "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

run_tx() { # $1 = ours | dpdk
  if [ "$1" = ours ]; then ours tx; else testpmd_tap txonly; fi
  wait_up
  measure rx_packets
  stop "$sink"
  while ip link show dev "$IF" >/dev/null 2>&1; do sleep 0.1; done
}

run_rx() {
  if [ "$1" = ours ]; then ours rx; else testpmd_tap rxonly; fi
  wait_up
  ip link set dev "$IF" txqueuelen 10000
  source_start
  measure tx_packets tx_dropped
  stop "$source"
  stop "$sink"
  while ip link show dev "$IF" >/dev/null 2>&1; do sleep 0.1; done
}

declare -A best=([tx_ours]=0 [tx_dpdk]=0 [rx_ours]=0 [rx_dpdk]=0)
echo "tap-bench: 64-byte frames, $ROUNDS rounds of ${SECONDS_RUN}s after ${WARMUP}s warm-up, measured side on CPU $SINK_CPU"
for round in $(seq "$ROUNDS"); do
  for side in ours dpdk; do
    run_tx "$side"
    printf 'round %d guest->TAP %-4s %9d frames/s\n' "$round" "$side" "$rate"
    [ "$rate" -gt "${best[tx_$side]}" ] && best[tx_$side]=$rate
    run_rx "$side"
    printf 'round %d TAP->guest %-4s %9d frames/s (source surplus dropped at the TAP: %d/s)\n' "$round" "$side" "$rate" "$surplus"
    [ "$rate" -gt "${best[rx_$side]}" ] && best[rx_$side]=$rate
  done
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo "best guest->TAP: virtio4j ${best[tx_ours]}/s, DPDK net_tap ${best[tx_dpdk]}/s, ratio $(ratio "${best[tx_ours]}" "${best[tx_dpdk]}")"
echo "best TAP->guest: virtio4j ${best[rx_ours]}/s, DPDK net_tap ${best[rx_dpdk]}/s, ratio $(ratio "${best[rx_ours]}" "${best[rx_dpdk]}")"
