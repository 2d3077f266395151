#!/usr/bin/env bash
# Runs the vring-impl JMH benchmarks (device side pop + add-used + publish, ns per chain, bursts
# of 32, 1- and 2-descriptor chains, EVENT_IDX off/on). Small fork/iteration counts: ~2-3 min.
# Extra arguments go to JMH, e.g.  bench/vring-bench.sh -f 3 -wi 5 -i 10
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -pl vring-impl -am test-compile
cp_file=$(mktemp)
trap 'rm -f "$cp_file"' EXIT
./mvnw -q -pl vring-impl dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
if ! "$java_bin" -version 2>&1 | grep -q '"25'; then
  for candidate in /usr/lib/jvm/*25*/bin/java /opt/*jdk*25*/bin/java; do
    [ -x "$candidate" ] && java_bin=$candidate && break
  done
fi
classpath="vring-impl/target/test-classes:vring-impl/target/classes:virtio-api/target/classes:$(cat "$cp_file")"
exec "$java_bin" --enable-native-access=ALL-UNNAMED -cp "$classpath" org.openjdk.jmh.Main \
  -f 1 -wi 3 -w 2s -i 5 -r 2s -jvmArgs --enable-native-access=ALL-UNNAMED \
  "${@:-io.virtio4j.vring.bench}"
