#!/usr/bin/env bash
# The switch against its anchor, in the same run (bench/switch-bench.sh [SECONDS]):
#   virtio4j: two vhost-user ports cross-connected by the switch (one PMD thread);
#   DPDK:     dpdk-testpmd with two net_vhost ports in io forwarding (DPDK's lib/vhost, one core),
# each fed by the same front-end: a second dpdk-testpmd with two net_virtio_user ports in io
# forwarding ("start tx_first 8"), 64-byte frames, frames circling forever. The figure is frames
# the switch (or the DPDK back-end) received per second over both ports, after a warm-up.
#
# The machine is shared and has slow phases (see shared notes): rounds alternate the two sides;
# compare the best rounds. For ours it also prints busy ns per frame, drops, the PMD thread's
# allocated bytes and the JVM's GC pauses (GC log). Needs dpdk-testpmd (apt-get install dpdk);
# runs with --no-huge, so no hugepages are needed.
# Environment: ROUNDS (3), WARMUP (3 s, the DPDK side; ours warms up 3 s inside SwitchBench).
# This measures the data path in a test class (SwitchBench); bench/switch-compare.sh measures the
# daemon users start, against DPDK and OVS-DPDK, in four configurations.
set -euo pipefail
cd "$(dirname "$0")/.."
. .mvn/find-jdk.sh
seconds=${1:-30}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-3}
command -v dpdk-testpmd >/dev/null || { echo "switch-bench: needs dpdk-testpmd (apt-get install dpdk)" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# One reactor run compiles switch-ovs's tests and what they need, then writes their class path.
./mvnw -q -B -pl switch-ovs -am test-compile dependency:build-classpath \
  -Dmdep.outputFile="$work/cp" -Dmdep.includeScope=test
classpath="switch-ovs/target/test-classes:switch-ovs/target/classes:$(cat "$work/cp")"

# Front-end testpmd: the same command SwitchBench uses (forwarding on CPU 0).
frontend() { # SOCK0 SOCK1 PREFIX
  dpdk-testpmd -l 0,1 --main-lcore 1 --no-huge -m 512 --no-pci --file-prefix "$3" \
    --vdev "net_virtio_user0,path=$1,queues=1,queue_size=1024" \
    --vdev "net_virtio_user1,path=$2,queues=1,queue_size=1024" -- \
    -i --forward-mode=io --nb-cores=1 --txq=1 --rxq=1 --total-num-mbufs=32768
}

# Sum of RX-packets over both ports in the Nth "show port stats all" of a testpmd log (read after
# testpmd exits: its stdout to a file is block-buffered).
rx_total() { # LOG N
  grep 'RX-packets:.*RX-missed:' "$1" | sed -n "$(($2 * 2 - 1)),$(($2 * 2))p" | awk '{s += $2} END {print s + 0}'
}

ours() { # ROUND -> prints Mpps
  local dir="$work/ours$1"; mkdir -p "$dir"
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --add-exports java.base/jdk.internal.misc=ALL-UNNAMED \
    -Xlog:gc:file="$dir/gc.log" -cp "$classpath" io.virtio4j.ovs.bench.SwitchBench "$seconds" "$dir" > "$dir/out.txt"
  grep '^RESULT' "$dir/out.txt" >&2
  echo "  GC pauses in this JVM (start-up included): $(grep -c Pause "$dir/gc.log" || true)" >&2
  sed -n 's/.* mpps=\([0-9.]*\).*/\1/p' "$dir/out.txt"
}

dpdk() { # ROUND -> prints Mpps
  local dir="$work/dpdk$1"; mkdir -p "$dir"
  mkfifo "$dir/be.in" "$dir/fe.in"
  # Back-end: DPDK's vhost library as the switch, forwarding on CPU 1.
  dpdk-testpmd -l 0,1 --main-lcore 0 --no-huge -m 512 --no-pci --file-prefix "v4j-anchor-be-$$" \
    --vdev "net_vhost0,iface=$dir/p0.sock,queues=1" --vdev "net_vhost1,iface=$dir/p1.sock,queues=1" -- \
    -i --forward-mode=io --nb-cores=1 --total-num-mbufs=32768 < "$dir/be.in" > "$dir/be.log" 2>&1 &
  pids+=($!)
  exec 7> "$dir/be.in"
  for _ in $(seq 100); do [ -S "$dir/p1.sock" ] && break; sleep 0.1; done
  echo start >&7
  frontend "$dir/p0.sock" "$dir/p1.sock" "v4j-anchor-fe-$$" < "$dir/fe.in" > "$dir/fe.log" 2>&1 &
  pids+=($!)
  exec 8> "$dir/fe.in"
  for _ in $(seq 300); do grep -q 'testpmd>' "$dir/fe.log" 2>/dev/null && break; sleep 0.1; done
  echo 'start tx_first 8' >&8
  sleep "$WARMUP"
  local rx0 t0 rx1 t1
  echo 'show port stats all' >&7; t0=$(date +%s.%N)
  sleep "$seconds"
  echo 'show port stats all' >&7; t1=$(date +%s.%N)
  sleep 0.5
  echo quit >&8; echo quit >&7
  exec 7>&- 8>&-
  wait 2>/dev/null || true
  pids=()
  rx0=$(rx_total "$dir/be.log" 1); rx1=$(rx_total "$dir/be.log" 2)
  awk -v a="$rx0" -v b="$rx1" -v t0="$t0" -v t1="$t1" 'BEGIN {printf "%.3f\n", (b - a) / (t1 - t0) / 1e6}'
}

echo "switch-bench: 64-byte frames, $ROUNDS alternating rounds of ${seconds}s, virtio4j switch vs DPDK net_vhost io forward"
best_ours=0; best_dpdk=0
for round in $(seq "$ROUNDS"); do
  o=$(ours "$round"); printf 'round %d  virtio4j switch  %7.3f Mpps\n' "$round" "$o"
  d=$(dpdk "$round"); printf 'round %d  DPDK net_vhost   %7.3f Mpps\n' "$round" "$d"
  best_ours=$(awk -v a="$best_ours" -v b="$o" 'BEGIN {print (b > a) ? b : a}')
  best_dpdk=$(awk -v a="$best_dpdk" -v b="$d" 'BEGIN {print (b > a) ? b : a}')
done
awk -v o="$best_ours" -v d="$best_dpdk" 'BEGIN {printf "best: virtio4j %.3f Mpps, DPDK %.3f Mpps, ratio %.2f\n", o, d, (d > 0) ? o / d : 0}'
