#!/usr/bin/env bash
# Runs switch-ovs's JMH benchmarks per data-path stage (today: classify, a batch of 32 headers
# through the OVS pipeline with a warm exact-match cache: L2 unicast, L2 flood, ovs-only L3).
# Arguments replace the default JMH options, e.g.  bench/switch-stage-bench.sh -f 3 -i 10 ClassifyBenchmark
set -euo pipefail
cd "$(dirname "$0")/.."
. .mvn/find-jdk.sh
. bench/lib/switch-test-classpath.sh
classpath=$(switch_test_classpath)
[ $# -gt 0 ] || set -- -f 1 -wi 3 -w 2s -i 5 -r 2s ClassifyBenchmark
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp "$classpath" org.openjdk.jmh.Main \
  -jvmArgs "--enable-native-access=ALL-UNNAMED --add-exports java.base/jdk.internal.misc=ALL-UNNAMED" "$@"
