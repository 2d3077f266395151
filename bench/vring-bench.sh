#!/usr/bin/env bash
# Runs the vring-impl JMH benchmarks: DeviceQueueBenchmark (device side pop + add-used + publish,
# ns per chain, bursts of 32, 1- and 2-descriptor chains, EVENT_IDX off/on) and RingStagesBenchmark
# (each stage alone, ns per frame: walk = pop a burst, copy = one frame guest to guest through
# ChainCursor, 64 and 1518 bytes, publish = a burst used and published once; 1 or 2 regions).
# Small fork/iteration counts: ~3-4 min. One class only, e.g.:
#   bench/vring-bench.sh -f 1 -wi 3 -w 1s -i 5 -r 1s io.virtio4j.vring.bench.RingStagesBenchmark
# Arguments replace the default JMH options, e.g.  bench/vring-bench.sh -f 3 -wi 5 -i 10 io.virtio4j.vring.bench
set -euo pipefail
cd "$(dirname "$0")/.."
. .mvn/find-jdk.sh
cp_file=$(mktemp)
trap 'rm -f "$cp_file"' EXIT
# One reactor run: compiles vring-impl and what it needs from this tree, then writes vring-impl's
# test class path (modules run in order, so vring-impl writes the file last).
./mvnw -q -B -pl vring-impl -am test-compile dependency:build-classpath \
  -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test
classpath="vring-impl/target/test-classes:vring-impl/target/classes:virtio-api/target/classes:$(cat "$cp_file")"
# Without arguments: a short default run; with arguments, they replace the defaults entirely.
[ $# -gt 0 ] || set -- -f 1 -wi 3 -w 2s -i 5 -r 2s io.virtio4j.vring.bench
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp "$classpath" org.openjdk.jmh.Main \
  -jvmArgs "--enable-native-access=ALL-UNNAMED --add-exports java.base/jdk.internal.misc=ALL-UNNAMED" "$@"
