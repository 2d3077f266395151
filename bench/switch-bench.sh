#!/usr/bin/env bash
# Runs the switch with a real peer for 30 s (bench/switch-bench.sh [SECONDS]): two vhost-user ports
# cross-connected by the switch, dpdk-testpmd with two net_virtio_user ports in io forwarding
# ("start tx_first 8"), 64-byte frames. Prints Mpps, busy ns per frame, drops, the PMD thread's
# allocated bytes over the window, and the GC count from the JVM's GC log. Needs root and
# dpdk-testpmd (apt-get install dpdk).
set -euo pipefail
cd "$(dirname "$0")/.."
. .mvn/find-jdk.sh
seconds=${1:-30}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp_file="$work/classpath"
# One reactor run compiles switch-ovs's tests and what they need, then writes their class path.
./mvnw -q -B -pl switch-ovs -am test-compile dependency:build-classpath \
  -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test
classpath="switch-ovs/target/test-classes:switch-ovs/target/classes:$(cat "$cp_file")"
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --add-exports java.base/jdk.internal.misc=ALL-UNNAMED \
  -Xlog:gc:file="$work/gc.log" -cp "$classpath" io.virtio4j.ovs.bench.SwitchBench "$seconds" "$work" | tee "$work/out.txt"
gcs=$(grep -c "Pause" "$work/gc.log" || true)
echo "GC pauses during the whole run (start-up included): $gcs"
grep "Pause" "$work/gc.log" | tail -5 || true
