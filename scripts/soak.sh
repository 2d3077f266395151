#!/usr/bin/env bash
# Soak (issue 13): the switch daemon, as users start it (./virtio4j switch --config FILE), at full
# rate for a given time while guests join and leave, then every frame accounted for:
#
#   sent = received + dropped, the drops by reason (ctl drops)
#
# The guests are dpdk-testpmd processes with one net_virtio_user port each (the user-space virtio
# driver: a vhost-user front-end), in pairs on the switch's vhost-user-server ports: pair N has a
# sender txN (txonly, 64-byte frames at whatever rate it gets, addressed to its receiver's MAC)
# and a receiver rxN (rxonly) on VLAN 10+N, so each frame has exactly one place to go. Every
# CHURN seconds one guest, picked at random, leaves (if running) or joins (if not); frames sent
# while a receiver is away are the switch's drops (port_full: the port is not connected).
#
# The accounting is exact, session by session, because guests leave cleanly and each session's
# figures are read and cross-checked as it leaves. A sender stops; once testpmd printed that stop's
# statistics (its forwarding has ended) its port's ethdev counters, read through DPDK's telemetry
# socket, say how many frames it sent, and the script waits until the switch's rx_frames for the
# port grew by exactly that many. A receiver leaves only after its pair's sender was paused that
# way, the switch's deliveries to it stopped, and its ethdev counters show it read every one of
# them (none left in its ring); it joins while that sender is paused too (see arrive()). Before a
# guest quits, the "Accumulated forward statistics" blocks it printed at each stop must add up to
# the same figure as its counters. Any figure that cannot be
# read, or does not match, fails the soak on the spot: no session can drop out of the sums unseen.
# (The first CI run lost one: testpmd's stdout to a file was block-buffered and the prompt's echo
# of "quit" landed inside a statistics line; testpmd now runs under stdbuf -oL.)
# The checks at the end, on the switch's counters (ctl port-stats, ctl drops):
#   1. sent (all sender sessions' frames) == what the switch received (rx_frames of every port)
#   2. received by the switch == sent by it (tx_frames of every port) + its drops, by reason
#   3. sent by the switch to the receivers == what they read (all receiver sessions' frames)
#   4. the switch's open fds and peer memory mappings back to what it held before any guest came
#   5. the switch ran throughout and stops with exit 0 on SIGTERM
# The last line is the verdict, "soak: PASS ..." (exit 0) or "soak: FAIL ..." (exit 1).
#
# Usage: scripts/soak.sh [--duration SECONDS] [--pairs N] [--churn SECONDS] [--keep DIR]
#   --duration  run time with traffic (default 3600: an hour; CI runs 180)
#   --pairs     sender/receiver pairs, 1..8 (default 2: four testpmd processes)
#   --churn     seconds between joins/leaves (default 5)
#   --keep DIR  copy the switch's log, config and ctl tables and testpmd's logs to DIR
# Needs root, dpdk-testpmd (apt-get install dpdk) and python3 (the ctl socket is read with a few
# lines of Python rather than ./virtio4j ctl, whose JVM start would steal CPU from the run). Missing
# ones skip the soak (exit 0, "soak: SKIPPED: ..."), or fail it with CI=true. testpmd runs with
# --no-huge (no hugepages needed). Exit 2: wrong command line.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=3600 pairs=2 churn=5 keep=""
usage() { sed -n "/^# Usage:/,/^#   --keep/p" "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --duration) duration=${2:?}; shift 2 ;;
    --pairs) pairs=${2:?}; shift 2 ;;
    --churn) churn=${2:?}; shift 2 ;;
    --keep) keep=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "soak: unknown option $1" >&2; usage ;;
  esac
done
[[ $duration =~ ^[0-9]+$ && $churn =~ ^[0-9]+$ && $churn -ge 1 && $pairs =~ ^[1-8]$ ]] \
  || { echo "soak: --duration and --churn are whole seconds (churn >= 1), --pairs 1..8" >&2; exit 2; }

skip() { # REASON: a missing prerequisite skips, or fails under CI (the project's rule for tests)
  if [ "${CI:-}" = true ]; then echo "soak: FAIL: prerequisite missing: $1 (CI=true)"; exit 1; fi
  echo "soak: SKIPPED: prerequisite missing: $1"; exit 0
}
command -v dpdk-testpmd > /dev/null || skip "dpdk-testpmd not on PATH; apt-get install dpdk"
command -v python3 > /dev/null || skip "python3 not on PATH; apt-get install python3"
command -v stdbuf > /dev/null || skip "stdbuf not on PATH; apt-get install coreutils"
[ "$(id -u)" = 0 ] || skip "needs root (dpdk-testpmd); run as root"

work=$(mktemp -d /tmp/v4j-soak.XXXXXX)
switch_pid=""
declare -A fe_pid fe_fd fe_running fe_log
session=0
cleanup() {
  local k
  for k in "${!fe_pid[@]}"; do kill -9 "${fe_pid[$k]}" 2> /dev/null || true; done
  [ -n "$switch_pid" ] && kill -9 "$switch_pid" 2> /dev/null || true
  wait 2> /dev/null || true
  if [ -n "$keep" ]; then mkdir -p "$keep" && cp -r "$work"/*.log "$work"/*.txt "$work/switch.conf" "$keep"/ 2> /dev/null || true; fi
  rm -rf "$work"
  rm -rf /var/run/dpdk/v4j-soak-$$-*
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail=0
check() { # OK-CONDITION-STATUS MESSAGE
  if [ "$1" = 0 ]; then echo "soak: ok: $2"; else echo "soak: MISMATCH: $2"; fail=1; fi
}
log() { printf 'soak: %5ss  %s\n' "$(( $(date +%s) - t0 ))" "$*"; }

# The ctl protocol (docs/switch-config.md): one command line; the reply is "OK N", N lines, "END".
# With PICK set to "PORT COUNTER" (and port-stats --json as the command) it prints that one number:
# one Python start per reading, which matters on a loaded machine.
ctl_py='
import json, os, socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
s.sendall((" ".join(sys.argv[2:]) + "\n").encode()); out = b""
while True:
    d = s.recv(65536)
    if not d: break
    out += d
lines = out.decode().splitlines()
if not lines or not lines[0].startswith("OK"): sys.exit("ctl: " + " | ".join(lines))
pick = os.environ.get("PICK")
if pick:
    port, counter = pick.split()
    print({r["port"]: r for r in json.loads(lines[1])}[port][counter])
else:
    print("\n".join(lines[1:-1]))'
ctl() { PICK="" python3 -c "$ctl_py" "$work/ctl.sock" "$@"; }
# One port's counter from ctl port-stats --json (rx_frames, tx_frames, ...).
port_counter() { PICK="$1 $2" python3 -c "$ctl_py" "$work/ctl.sock" port-stats --json; }
# Waits until PORT's COUNTER reads the same twice 300 ms apart: whatever was on the way has arrived.
await_still() { # PORT COUNTER
  local before after n=0
  after=$(port_counter "$1" "$2")
  while :; do
    before=$after; sleep 0.3; after=$(port_counter "$1" "$2")
    [ "$before" = "$after" ] && return 0
    ((++n < 100)) || { echo "soak: FAIL: $1's $2 still moving after 30 s of a paused guest"; exit 1; }
  done
}
fds() { ls "/proc/$switch_pid/fd" | wc -l; }
mappings() { grep -c -e /memfd: -e hugepages -e rtemap "/proc/$switch_pid/maps" || true; }

# --- the switch ------------------------------------------------------------------------------
{
  printf '[switch]\ncontrol = ctl.sock\ncounters = switch.counters\nl3 = none\n'
  for ((i = 0; i < pairs; i++)); do
    printf '\n[port tx%d]\ntype = vhost-user-server\npath = tx%d.sock\nvlan = %d\n' "$i" "$i" $((10 + i))
    printf '\n[port rx%d]\ntype = vhost-user-server\npath = rx%d.sock\nvlan = %d\n' "$i" "$i" $((10 + i))
  done
} > "$work/switch.conf"
echo "soak: building the daemon if stale (./virtio4j builds what changed) ..."
./virtio4j help > /dev/null
./virtio4j switch --config "$work/switch.conf" > "$work/switch.log" 2>&1 &
switch_pid=$!
for _ in $(seq 600); do [ -S "$work/ctl.sock" ] && ctl pmd-stats > /dev/null 2>&1 && break; sleep 0.1; done
ctl pmd-stats > /dev/null || { tail -20 "$work/switch.log"; echo "soak: FAIL: the switch did not come up"; exit 1; }
sleep 1
fds0=$(fds) maps0=$(mappings)
t0=$(date +%s)
log "switch pid $switch_pid up with $pairs pairs: $fds0 fds, $maps0 peer mappings; running ${duration}s, churn every ${churn}s"

# --- the guests --------------------------------------------------------------------------------
# Every guest session is accounted for on its own, exactly, while it leaves: the frames it sent
# (a sender) or read (a receiver) are its port's ethdev counters, read through DPDK's telemetry
# socket (JSON, no screen scraping), and must match the switch's counter for that port over the
# session, and the "Accumulated forward statistics" blocks testpmd printed at each of the session's
# stops must add up to the same figure. A session whose counters cannot be read, or whose printed
# statistics disagree with them, fails the soak on the spot instead of being left out of the sums.
declare -A fe_base fe_stops fe_tel
sent=0 received=0
mac() { printf '02:00:00:00:%02x:%02x' "$1" "$2"; } # ROLE(1 sender, 2 receiver) PAIR
# The switch's counter for a guest's port: what it takes from a sender, what it gives a receiver.
switch_side() { if [ "${1:0:2}" = tx ]; then echo rx_frames; else echo tx_frames; fi; }
# The guest's own counter for the same frames (its ethdev statistics).
guest_side() { if [ "${1:0:2}" = tx ]; then echo opackets; else echo ipackets; fi; }
# The same as testpmd prints it in its statistics blocks.
block_field() { if [ "${1:0:2}" = tx ]; then echo TX-packets; else echo RX-packets; fi; }
# Inside $(...) the verdict goes to stderr, or it would end up in the caller's variable.
die() { if ((BASH_SUBSHELL)); then echo "soak: FAIL: $*" >&2; else echo "soak: FAIL: $*"; fi; exit 1; }

# Guest KEY's ethdev counter FIELD (ipackets, opackets) from its telemetry socket.
guest_counter() { # KEY FIELD
  python3 -c '
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.settimeout(10); s.connect(sys.argv[1])
json.loads(s.recv(4096))  # the greeting: version, pid, max_output_len
s.send(b"/ethdev/stats,0")
print(json.loads(s.recv(65536))["/ethdev/stats"][sys.argv[2]])' "${fe_tel[$1]}" "$2" \
    || die "guest $1's statistics cannot be read (telemetry ${fe_tel[$1]}): its frames would be left out"
}
# Waits until READ (a command printing a number) prints TARGET; more, or not there within 60 s, fails.
await_count() { # WHAT TARGET READ...
  local what=$1 target=$2 now n=0; shift 2
  while :; do
    now=$("$@")
    [ "$now" = "$target" ] && return 0
    [ "$now" -lt "$target" ] || die "$what: $now, more than the $target expected"
    ((++n < 300)) || die "$what: $now after 60 s, $target expected"
    sleep 0.2
  done
}
# The statistics blocks of a testpmd log: "COUNT SUM UNREADABLE", SUM over FIELD (TX-packets or
# RX-packets). A block runs from its "Accumulated forward statistics" line to the closing line of
# '+'; one without a readable FIELD is counted as unreadable.
blocks() { # LOG FIELD
  awk -v f="$2:" '/Accumulated forward statistics/ {open = 1; got = ""; next}
    open && /^ *\+\+\+\+\+\+\+\+\+\+/ { open = 0; if (got == "") bad++; else {n++; s += got}; next }
    open { for (j = 1; j < NF; j++) if ($j == f && $(j + 1) ~ /^[0-9]+$/) got = $(j + 1) }
    END {printf "%d %.0f %d\n", n, s, bad}' "$1"
}
# Waits until guest KEY printed the statistics of all its stops: proof its forwarding has stopped.
await_blocks() { # KEY
  local key=$1 count sum bad n=0
  while :; do
    read -r count sum bad < <(blocks "${fe_log[$key]}" "$(block_field "$key")")
    [ "$count" = "${fe_stops[$key]}" ] && [ "$bad" = 0 ] && return 0
    [ "$bad" = 0 ] || { tail -20 "${fe_log[$key]}"; die "guest $key printed a statistics block without $(block_field "$key")"; }
    ((++n < 300)) || { tail -20 "${fe_log[$key]}"; die "guest $key printed $count statistics blocks for ${fe_stops[$key]} stops in 60 s"; }
    sleep 0.2
  done
}

# Starts guest ROLE (tx or rx) of pair I, interactive on a FIFO, and starts forwarding.
join() { # ROLE I
  local role=$1 i=$2 key=$1$2 fifo="$work/$1$2.in" fd log prefix
  [ -p "$fifo" ] || mkfifo "$fifo"
  # A log and a runtime directory (with its telemetry socket) per session: they are that session's alone.
  log="$work/$key.$((++session)).log"; fe_log[$key]=$log
  prefix="v4j-soak-$$-$key-$session"; fe_tel[$key]=/var/run/dpdk/$prefix/dpdk_telemetry.v2
  fe_stops[$key]=0
  # No session on the port now: its counter is still, and this session's frames are what it adds.
  fe_base[$key]=$(port_counter "$key" "$(switch_side "$key")")
  local core=1 mode=txonly self peer
  self=$(mac 1 "$i") peer=$(mac 2 "$i")
  if [ "$role" = rx ]; then core=0 mode=rxonly self=$(mac 2 "$i") peer=$(mac 1 "$i"); fi
  # Each guest's forwarding lcore is the CPU its main lcore is not (two CPUs here: senders on 0,
  # receivers on 1); --no-flush-rx so frames the switch delivered before "start" are counted.
  # stdbuf -oL: testpmd's statistics reach the log line by line as it prints them (a block
  # buffered stdout once let the prompt's echo split a statistics line in two).
  stdbuf -oL dpdk-testpmd -l 0,1 --main-lcore "$core" --no-huge -m 256 --no-pci --file-prefix "$prefix" \
    --vdev "net_virtio_user0,path=$work/$key.sock,queues=1,queue_size=256,mac=$self" -- \
    -i --forward-mode="$mode" --eth-peer="0,$peer" --nb-cores=1 --txq=1 --rxq=1 --total-num-mbufs=8192 \
    --no-flush-rx < "$fifo" > "$log" 2>&1 &
  fe_pid[$key]=$!
  exec {fd}> "$fifo"
  fe_fd[$key]=$fd
  local n=0
  until grep -q 'testpmd>' "$log" 2> /dev/null; do
    kill -0 "${fe_pid[$key]}" 2> /dev/null || { tail -20 "$log"; die "guest $key exited at start"; }
    ((++n < 600)) || { tail -20 "$log"; die "guest $key never prompted"; }
    sleep 0.1
  done
  echo start >&"$fd"
  fe_running[$key]=1
  log "$key joined (pid ${fe_pid[$key]})"
}
# Stops forwarding and waits until every frame of the session so far is where it belongs. A sender:
# its statistics are printed (its lcore stopped), and the switch took exactly what it sent. A
# receiver (whose sender is paused or gone): the switch's deliveries stopped and the receiver read
# every one of them before it stops, so none stays unread in its ring.
pause() { # ROLE I
  local key=$1$2 counter n
  counter=$(switch_side "$key")
  if [ "$1" = rx ]; then
    await_still "$key" "$counter"
    n=$(( $(port_counter "$key" "$counter") - fe_base[$key] ))
    await_count "frames guest $key read of the $n the switch gave it" "$n" guest_counter "$key" ipackets
  fi
  echo stop >&"${fe_fd[$key]}"
  fe_stops[$key]=$(( fe_stops[$key] + 1 ))
  await_blocks "$key"
  if [ "$1" = tx ]; then
    n=$(guest_counter "$key" opackets)
    await_count "frames the switch took from guest $key, which sent $n" $(( fe_base[$key] + n )) \
      port_counter "$key" "$counter"
  fi
  fe_running[$key]=0
}
resume() { echo start >&"${fe_fd[$1$2]}"; fe_running[$1$2]=1; }
quit() { # ROLE I: the guest, already paused, goes away
  local key=$1$2 fd=${fe_fd[$1$2]} status=0 frames count sum bad
  frames=$(guest_counter "$key" "$(guest_side "$key")")
  read -r count sum bad < <(blocks "${fe_log[$key]}" "$(block_field "$key")")
  [ "$sum" = "$frames" ] && [ "$count" = "${fe_stops[$key]}" ] \
    || die "guest $key's printed statistics ($count blocks for ${fe_stops[$key]} stops, $sum frames) disagree with its counters ($frames)"
  echo quit >&"$fd"
  exec {fd}>&-
  wait "${fe_pid[$key]}" || status=$?
  [ "$status" = 0 ] || { tail -20 "${fe_log[$key]}"; die "guest $key exited with $status"; }
  if [ "$1" = tx ]; then sent=$((sent + frames)); else received=$((received + frames)); fi
  echo "$key ${fe_log[$key]##*/} $frames" >> "$work/sessions.txt"
  unset "fe_pid[$key]" "fe_fd[$key]" "fe_running[$key]" "fe_log[$key]" "fe_base[$key]" "fe_stops[$key]" "fe_tel[$key]"
  log "$key left after $( [ "$1" = tx ] && echo sending || echo reading) $frames frames"
}
leave() { # ROLE I
  local i=$2 sender=""
  if [ "$1" = rx ] && [ "${fe_running[tx$i]:-0}" = 1 ]; then
    # Nothing may be on the way to a receiver that leaves: its sender pauses first.
    pause tx "$i"; sender=1
  fi
  pause "$1" "$i"
  quit "$1" "$i"
  [ -z "$sender" ] || resume tx "$i"
}

# A receiver that joins while its sender runs could lose frames no counter sees: DPDK's virtio PMD
# discards whatever its RX ring holds when the port starts (virtio_dev_start, "Flush the old
# packets"), and the switch may already have filled that ring, counting the frames as delivered,
# once the front-end's rings were set up. So the sender pauses (its frames accounted for) while
# its receiver starts, as it does when the receiver leaves.
arrive() { # ROLE I
  local i=$2 sender=""
  if [ "$1" = rx ] && [ "${fe_running[tx$i]:-0}" = 1 ]; then pause tx "$i"; sender=1; fi
  join "$1" "$i"
  [ -z "$sender" ] || resume tx "$i"
}

for ((i = 0; i < pairs; i++)); do join rx "$i"; join tx "$i"; done
end=$((t0 + duration))
while [ "$(date +%s)" -lt "$end" ]; do
  sleep "$churn"
  [ "$(date +%s)" -lt "$end" ] || break
  kill -0 "$switch_pid" 2> /dev/null || { tail -30 "$work/switch.log"; die "the switch exited"; }
  i=$((RANDOM % pairs)); role=$([ $((RANDOM % 2)) = 0 ] && echo tx || echo rx)
  if [ -n "${fe_pid[$role$i]:-}" ]; then leave "$role" "$i"; else arrive "$role" "$i"; fi
done

# --- the end: senders first, so nothing is on the way to a receiver when it stops ----------------
for ((i = 0; i < pairs; i++)); do [ -z "${fe_pid[tx$i]:-}" ] || { pause tx "$i"; quit tx "$i"; }; done
for ((i = 0; i < pairs; i++)); do [ -z "${fe_pid[rx$i]:-}" ] || { pause rx "$i"; quit rx "$i"; }; done
for cmd in ports port-stats drops pmd-stats refusals; do ctl "$cmd" > "$work/ctl-$cmd.txt"; done
ctl port-stats --json > "$work/port-stats.json"
ctl drops --json > "$work/drops.json"

read -r switch_in switch_out to_receivers drops_ports < <(python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))
rx = sum(r["rx_frames"] for r in rows); tx = sum(r["tx_frames"] for r in rows)
to_rx = sum(r["tx_frames"] for r in rows if r["port"].startswith("rx"))
drops = sum(v for r in rows for k, v in r.items() if k.startswith("drop_"))
print(rx, tx, to_rx, drops)' "$work/port-stats.json")
drops_by_reason=$(python3 -c '
import json, sys
print(" ".join("%s=%d" % (r["reason"], r["frames"]) for r in json.load(open(sys.argv[1])) if r["frames"]))' "$work/drops.json")
drops=$(python3 -c 'import json, sys; print(sum(r["frames"] for r in json.load(open(sys.argv[1]))))' "$work/drops.json")
sessions=$(wc -l < "$work/sessions.txt")

echo "soak: after ${duration}s, $sessions guest sessions: guests sent $sent, switch received $switch_in, sent $switch_out ($to_receivers to receivers), dropped $drops (${drops_by_reason:-none}), receivers read $received"
check $([ "$sent" = "$switch_in" ]; echo $?) "every frame the senders sent reached the switch ($sent = $switch_in)"
check $([ "$switch_in" = $((switch_out + drops)) ]; echo $?) \
  "the switch sent or dropped every frame it received ($switch_in = $switch_out + $drops)"
check $([ "$drops" = "$drops_ports" ]; echo $?) "drops by reason add up to the ports' drops ($drops = $drops_ports)"
check $([ "$to_receivers" = "$received" ]; echo $?) "the receivers read every frame the switch gave them ($to_receivers = $received)"
check $([ "$sent" = $((received + drops)) ]; echo $?) "sent = received + dropped ($sent = $received + $drops)"
check $([ "$sent" -gt 0 ] && [ "$received" -gt 0 ]; echo $?) "frames flowed"
sleep 1
fds1=$(fds) maps1=$(mappings)
check $([ "$fds1" = "$fds0" ] && [ "$maps1" = "$maps0" ]; echo $?) \
  "the switch holds what it held before any guest came: $fds1 fds (was $fds0), $maps1 peer mappings (was $maps0)"
kill -TERM "$switch_pid"
status=0; wait "$switch_pid" || status=$?
switch_pid=""
check $([ "$status" = 0 ]; echo $?) "the switch stopped on SIGTERM with exit $status"
if [ "$fail" = 0 ]; then
  echo "soak: PASS: ${duration}s, $pairs pairs, $sent frames sent = $received received + $drops dropped (${drops_by_reason:-none})"
else
  tail -20 "$work/switch.log"
  echo "soak: FAIL: the accounting above does not add up"
  exit 1
fi
