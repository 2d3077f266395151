#!/usr/bin/env bash
# Coverage-guided fuzzing (Jazzer) of the parsers a guest, a front-end or an operator feeds: each
# @FuzzTest target in turn, for a bounded time. `./mvnw -B verify` already runs every target's
# committed inputs (src/test/resources/**/<Class>Inputs/<method>/) as regression tests; this
# script looks for new ones. Jazzer fuzzes one target per JVM, hence one Maven run per target.
#
# Usage: scripts/fuzz.sh [--time DURATION] [--offline] [TARGET...]
#   --time DURATION  how long each target fuzzes, as Jazzer's max_duration: 20s (default), 10m, 1h
#   --offline        pass -o to Maven (everything already downloaded)
#   TARGET           Class#method names (default: all five below)
#
# What it leaves: inputs that reached new code in <module>/.cifuzz-corpus/ (git-ignored; the next
# run starts from them), and every input that made a target fail in the target's Inputs directory
# (src/test/resources/...), where the test run replays it from then on. Exits non-zero if any
# target failed; its report (the assertion, the input's file name) is in the Maven output.
#
# A finding: reproduce with `./mvnw -pl MODULE -am test -Dtest=Class
# -Dsurefire.failIfNoSpecifiedTests=false` (regression mode replays the saved input), fix the code,
# give the input a name that says what it is, and commit it with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."

time=20s
maven_opts=()
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) time="$2"; shift 2 ;;
    --offline) maven_opts+=(-o); shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done

# module and Class#method of every target
all=(
  "vring-impl SplitRingFuzzTest#anyDriverBytesGiveGoodChainsOrCountedRefusals"
  "vring-impl PackedRingFuzzTest#anyDriverBytesGiveGoodChainsCountedRefusalsOrABrokenRing"
  "backend-vhostuser VhostUserSessionFuzzTest#anyMessagesAreServedOrEndTheConnectionAndLeaveNothingBehind"
  "switch-ovs SwitchConfigFuzzTest#anyTextIsASwitchOrAnErrorOnOneOfItsLines"
  "switch-ovs FramePipelineFuzzTest#anyFramesEndAsAVerdictOrACountedDrop"
)

failed=()
for entry in "${all[@]}"; do
  module="${entry%% *}"
  test="${entry#* }"
  if [ ${#targets[@]} -gt 0 ] && ! printf '%s\n' "${targets[@]}" | grep -qxF -e "$test" -e "${test%%#*}"; then
    continue
  fi
  echo "== fuzz.sh: $test ($module) for $time"
  # -am builds the modules it depends on in the same reactor (their classes, not installed jars,
  # so Jazzer instruments them too); only this target's class runs.
  if ! JAZZER_FUZZ=1 ./mvnw -B "${maven_opts[@]}" -pl "$module" -am test \
      -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false -Djazzer.max_duration="$time"; then
    failed+=("$test")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: every target ran $time without a finding"
