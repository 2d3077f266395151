#!/usr/bin/env bash
# Runs switch-ovs's JMH benchmarks per data-path stage (today: classify, a batch of 32 headers
# through the OVS pipeline with a warm exact-match cache: L2 unicast, L2 flood, ovs-only L3).
# Arguments replace the default JMH options, e.g.  bench/switch-stage-bench.sh -f 3 -i 10 ClassifyBenchmark
set -euo pipefail
cd "$(dirname "$0")/.."
. .mvn/find-jdk.sh
deps=$(mktemp)
trap 'rm -f "$deps"' EXIT
# Compiles switch-ovs's tests (the JMH generator runs at test-compile) and writes its test class path.
./mvnw -q -B -pl switch-ovs -am test-compile dependency:build-classpath -Dmdep.outputFile="$deps" -Dmdep.includeScope=test
modules="switch-ovs/target/test-classes:switch-ovs/target/classes"
for m in virtio-api vring-impl backend-spi backend-vhostuser backend-tap; do
  modules="$modules:$m/target/classes"
done
[ $# -gt 0 ] || set -- -f 1 -wi 3 -w 2s -i 5 -r 2s ClassifyBenchmark
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp "$modules:$(cat "$deps")" org.openjdk.jmh.Main \
  -jvmArgs "--enable-native-access=ALL-UNNAMED --add-exports java.base/jdk.internal.misc=ALL-UNNAMED" "$@"
