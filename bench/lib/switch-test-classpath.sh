# Sourced by the scripts that run switch-ovs's test classes (JMH benchmarks, probes) from the
# repository root: compiles switch-ovs and what it needs (the JMH generator runs at test-compile)
# and prints its test class path: the modules' classes, then every dependency of test scope.
switch_test_classpath() {
  local deps modules m
  deps=$(mktemp)
  ./mvnw -q -B -pl switch-ovs -am test-compile dependency:build-classpath -Dmdep.outputFile="$deps" -Dmdep.includeScope=test >&2
  modules="switch-ovs/target/test-classes:switch-ovs/target/classes"
  for m in virtio-api vring-impl backend-spi backend-vhostuser backend-tap; do
    modules="$modules:$m/target/classes"
  done
  echo "$modules:$(cat "$deps")"
  rm -f "$deps"
}
