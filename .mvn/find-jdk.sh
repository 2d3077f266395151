# Sourced by ./mvnw and ./virtio4j: exports JAVA_HOME pointing at a JDK 25 or newer.
# Order: $JAVA_HOME if it is new enough, then the newest JDK under /usr/lib/jvm.
# The machine default `java` (17 on Debian 12) is never picked: virtio4j needs FFM (JDK 22+)
# and is built with --release 25.
virtio4j_jdk_major() {
  # Prints the feature version of the JDK at $1, or nothing if $1 is not a JDK.
  [ -x "$1/bin/javac" ] && [ -r "$1/release" ] || return 0
  sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"
}
virtio4j_find_jdk() {
  if [ -n "${JAVA_HOME-}" ]; then
    major=$(virtio4j_jdk_major "$JAVA_HOME")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then return 0; fi
  fi
  best= best_major=0
  # mvnw runs under `set -f`; the scan needs globbing for this one loop.
  case $- in *f*) had_noglob=1; set +f ;; *) had_noglob= ;; esac
  for dir in /usr/lib/jvm/*; do
    major=$(virtio4j_jdk_major "$dir")
    if [ -n "$major" ] && [ "$major" -ge 25 ] && [ "$major" -gt "$best_major" ]; then
      best=$dir best_major=$major
    fi
  done
  [ -z "$had_noglob" ] || set -f
  if [ -z "$best" ]; then
    echo "virtio4j: no JDK 25 or newer found (JAVA_HOME=${JAVA_HOME-unset}, none under /usr/lib/jvm); install one, e.g. 'apt-get install temurin-25-jdk', or set JAVA_HOME to it." >&2
    exit 1
  fi
  JAVA_HOME=$best
  export JAVA_HOME
}
virtio4j_find_jdk
