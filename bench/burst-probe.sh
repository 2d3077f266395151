#!/usr/bin/env bash
# The switch's burst with every line in one CPU's caches (switch-ovs's BurstProbe): one thread is
# both in-process guests' driver and the PMD, so a frame costs only the data path's instructions.
# Set it beside bench/switch-compare.sh's busy cycles per frame (front-end on the other CPU): the
# difference is what the lines crossing between the CPUs cost (docs/switch-datapath.md).
#
#   bench/burst-probe.sh [split|packed|both] [ROUNDS]     (default: both, 30 rounds each)
#
# Needs no root, peer or hugepages. Runs the JVM on CPU 1 (taskset), like the benchmark's daemon.
set -euo pipefail
cd "$(dirname "$0")/.."
. .mvn/find-jdk.sh
rings=${1:-both}
rounds=${2:-30}
case $rings in split|packed) ;; both) rings="split packed" ;; *) echo "burst-probe: rings are split, packed or both" >&2; exit 2 ;; esac
. bench/lib/switch-test-classpath.sh
classpath=$(switch_test_classpath)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for r in $rings; do
  taskset -c 1 "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --add-exports java.base/jdk.internal.misc=ALL-UNNAMED \
    -cp "$classpath" io.virtio4j.ovs.datapath.BurstProbe "$r" "$rounds" 2> "$log" | grep -v '^round' \
    || { echo "burst-probe: the $r run failed; its log:" >&2; tail -20 "$log" >&2; exit 1; }
done
