# Sourced, not run: what the bench scripts comparing back-ends share (bench/switch-compare.sh with
# its bench/switch-tunnel.sh, bench/guest-tcp.sh). The caller sets, before sourcing:
#   BENCH   the prefix of every message (the script's name)
#   KEEP    a directory to copy the work directory to on exit, or empty
#   prefix  the DPDK --file-prefix stem of every DPDK process it starts (their hugepage and runtime
#           files are removed with it)
# and gets:
#   work                       a fresh work directory, removed on exit (copied to KEEP first)
#   pids[]                     every process to stop on exit or Ctrl-C (the caller appends to it)
#   pgroups[]                  process groups to stop on exit or Ctrl-C (leaders started with setsid)
#   namespaces[]               network namespaces to delete on exit and after each run (the caller
#                              appends each one it adds)
#   die MESSAGE                prints "BENCH: MESSAGE" and exits 1
#   stop_run PID...            TERM, then KILL after 10 s, each PID; empties pids[]; deletes the
#                              namespaces; removes DPDK files
#   pause S                    a sleep a signal interrupts at once
#   wait_for TENTHS WHAT CMD...  polls CMD every 0.1 s, TENTHS times at most
#   hugepages_ready FREE       mounts hugetlbfs, raises vm.nr_hugepages to 1024, needs FREE free pages
#   cpu_busy_percent / busy_warning   how busy the CPUs are with other work (over 2 s)
#   median_best MAX|MIN        numbers on stdin (one a line) -> "median best" ("- -" for none)
#   ratio A B                  A / B with two decimals ("-" when either is missing or B is 0)
#   ours_ctl DIR COMMAND       the daemon's control socket DIR/ctl.sock, without a JVM
#   vhost_lib_features LOG     "SOCKET HEX" of each lib/vhost "negotiated Virtio features" line
#   OVS_VSWITCHD, ovs ARGS..., ovs_appctl ARGS..., ovs_tables DIR [SUFFIX],
#   ovs_daemons OVSDIR FILE-PREFIX [KEY=VALUE...] [-- COMMAND-PREFIX...]
#       private OVS-DPDK instances (ovsdb and ovs-vswitchd on CPU 1, files in OVSDIR; $ovsdir says
#       which one ovs, ovs_appctl and ovs_tables talk to)
#   ours_daemon_start DIR SOCKET JAVA_OPTS [PREFIX...]   the switch daemon on DIR/switch.conf

work=$(mktemp -d "/tmp/$BENCH.XXXXXX")
pids=()
pgroups=()
namespaces=()
pause_pid=

die() { echo "$BENCH: $*" >&2; exit 1; }

cleanup() {
  trap - EXIT INT TERM
  local pid
  [ -z "${pause_pid:-}" ] || kill "$pause_pid" 2>/dev/null || true
  for pid in "${pgroups[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  namespaces_delete
  rm -rf /dev/hugepages/"$prefix"-* /var/run/dpdk/"$prefix"-* 2>/dev/null || true
  if [ -n "$KEEP" ]; then
    mkdir -p "$KEEP" && cp -r "$work"/. "$KEEP"/ && echo "$BENCH: logs kept in $KEEP" >&2
  fi
  rm -rf "$work"
}
trap cleanup EXIT
# Once the processes in them are stopped (a namespace with a process left in it lingers unnamed).
namespaces_delete() {
  local ns
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  namespaces=()
}
trap 'echo "$BENCH: interrupted" >&2; exit 130' INT TERM

# Stops the processes of one run (they are in pids[] too, so an interrupt also gets them).
stop_run() { # PID...
  local pid
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  pids=()
  namespaces_delete
  rm -rf /dev/hugepages/"$prefix"-* /var/run/dpdk/"$prefix"-* 2>/dev/null || true
}

# A sleep a signal interrupts at once (bash runs a trap only after a foreground command ends).
pause() { sleep "$1" & pause_pid=$!; wait $pause_pid || true; pause_pid=; }

wait_for() { # TENTHS DESCRIPTION COMMAND... : polls COMMAND every 0.1 s
  local tries=$1 what=$2; shift 2
  for _ in $(seq "$tries"); do "$@" 2>/dev/null && return 0; sleep 0.1; done
  echo "$BENCH: timed out waiting for $what" >&2
  return 1
}

# 2 MiB hugepages for DPDK and OVS-DPDK.
hugepages_ready() { # FREE
  mountpoint -q /dev/hugepages || { mkdir -p /dev/hugepages && mount -t hugetlbfs nodev /dev/hugepages; } \
    || die "cannot mount hugetlbfs on /dev/hugepages"
  if [ "$(cat /proc/sys/vm/nr_hugepages)" -lt 1024 ]; then
    echo 1024 > /proc/sys/vm/nr_hugepages
    echo "$BENCH: set vm.nr_hugepages to $(cat /proc/sys/vm/nr_hugepages) (it stays so)" >&2
  fi
  [ "$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)" -ge "$1" ] || die "fewer than $1 free 2 MiB hugepages"
}

# What else keeps the CPUs busy, sampled from /proc/stat over 2 s while none of our pollers runs.
# (The load average cannot say it: it trails by minutes, and a run's own busy-polling sides
# alone hold it up.)
cpu_busy_percent() {
  local a b
  a=$(head -1 /proc/stat); sleep 2; b=$(head -1 /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN {
    n = split(a, x); split(b, y); total = 0
    for (i = 2; i <= n; i++) total += y[i] - x[i]
    idle = (y[5] - x[5]) + (y[6] - x[6])
    printf "%d", (total > 0 ? 100 * (total - idle) / total : 0) }'
}
busy_warning() {
  local busy
  busy=$(cpu_busy_percent)
  if [ "$busy" -gt 20 ]; then
    echo "$BENCH: WARNING: the CPUs were ${busy}% busy with other work; the back-ends need the machine to themselves: these figures are not a measurement"
  else
    echo "$BENCH: other work on the CPUs: ${busy}% (quiet enough)"
  fi
}

# The median and the best (largest for MAX, smallest for MIN) of the numbers on stdin.
median_best() { # MAX|MIN
  sort -g | awk -v k="$1" '{v[NR] = $1} END {
      if (NR == 0) {print "- -"; exit}
      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "%s %s\n", m, (k == "MIN") ? v[1] : v[NR]}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b}'; }

# The ctl protocol (docs/switch-config.md): one command line; the reply is "OK N", N lines, "END".
# Read with a few lines of python, not with "./virtio4j ctl", whose JVM start would steal CPU.
ours_ctl() { # DIR COMMAND
  /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\n").encode()); out = b""
while True:
    d = s.recv(65536)
    if not d: break
    out += d
sys.stdout.write(out.decode())' "$1/ctl.sock" "$2"
}

# lib/vhost's INFO line (DPDK 22.11): "VHOST_CONFIG: (SOCKET) negotiated Virtio features: 0xHEX".
vhost_lib_features() { # LOG
  sed -n 's/.*(\([^)]*\)) negotiated Virtio features: 0x\([0-9a-fA-F]*\).*/\1 \2/p' "$1"
}

OVS_VSWITCHD=/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk
# The instance in $ovsdir (switch-tunnel.sh's vxlan runs two: ovs-a, ovs-b).
ovsdir=
ovs() { ovs-vsctl --db="unix:$ovsdir/db.sock" "$@"; }
ovs_appctl() { ovs-appctl -t "$ovsdir/ovs-vswitchd.ctl" "$@"; }
# A private OVS-DPDK in OVSDIR (its ovsdb, logs, pid files and sockets): one PMD on CPU 1
# (pmd-cpu-mask=0x2, both processes under taskset -c 1), DPDK file prefix FILE-PREFIX, per-port
# memory (else a vhost port sometimes gets none), the other_config KEY=VALUEs given (read at start,
# like userspace-tso-enable). COMMAND-PREFIX (e.g. ip netns exec NS) runs both processes in a
# host's namespace. Sets ovsdir to OVSDIR; appends both processes to be_pids and pids. The caller
# adds the bridges and ports.
ovs_daemons() { # OVSDIR FILE-PREFIX [KEY=VALUE...] [-- COMMAND-PREFIX...]
  local d=$1 fp=$2 config=(); shift 2
  while [ $# -gt 0 ] && [ "$1" != -- ]; do config+=("other_config:$1"); shift; done
  [ $# = 0 ] || shift
  mkdir -p "$d"
  ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema
  local run=(env OVS_RUNDIR="$d" OVS_LOGDIR="$d" OVS_DBDIR="$d" OVS_SYSCONFDIR="$d" "$@" taskset -c 1)
  "${run[@]}" ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock" \
    --pidfile="$d/ovsdb-server.pid" --log-file="$d/ovsdb-server.log" --unixctl="$d/ovsdb-server.ctl" \
    > /dev/null 2>&1 &
  be_pids+=($!); pids+=($!)
  wait_for 100 "ovsdb-server" test -S "$d/db.sock" || return 1
  ovsdir=$d
  ovs --no-wait init || return 1
  ovs --no-wait set Open_vSwitch . other_config:dpdk-init=true \
    other_config:dpdk-extra="--file-prefix=$fp --no-pci" other_config:pmd-cpu-mask=0x2 \
    other_config:per-port-memory=true "${config[@]}"
  "${run[@]}" "$OVS_VSWITCHD" "unix:$d/db.sock" --pidfile="$d/ovs-vswitchd.pid" \
    --log-file="$d/ovs-vswitchd.log" --unixctl="$d/ovs-vswitchd.ctl" > /dev/null 2>&1 &
  be_pids+=($!); pids+=($!)
  wait_for 300 "ovs-vswitchd" test -S "$d/ovs-vswitchd.ctl" || return 1
}
# Keeps $ovsdir's flows (bridge br0) and port statistics in DIR/flowsSUFFIX.txt and
# DIR/interfacesSUFFIX.txt; warns of drops.
ovs_tables() { # DIR [SUFFIX]
  ovs-ofctl dump-flows "unix:$ovsdir/br0.mgmt" > "$1/flows${2:-}.txt" 2>&1 || true
  ovs --columns=name,statistics list Interface > "$1/interfaces${2:-}.txt" 2>&1 || true
  local drops; drops=$(grep -oE '(dropped|drops)=[0-9]+' "$1/interfaces${2:-}.txt" | awk -F= '{s += $2} END {print s + 0}')
  [ "$drops" = 0 ] || echo "$BENCH: ovs: $drops frames dropped at its ports (interfaces${2:-}.txt)" >&2
}

# The daemon as users start it: ./virtio4j switch --config DIR/switch.conf (whose relative paths
# are DIR's), its log in DIR/ours.log and its GC log in DIR/gc.log, run under PREFIX (e.g.
# taskset -c 1, or ip netns exec NS taskset -c 1); waits for SOCKET (a path) and DIR/ctl.sock.
# V4J_LAUNCHER names another checkout's launcher (switch-compare's "base" back-end).
# Appends it to be_pids and pids.
ours_daemon_start() { # DIR SOCKET JAVA_OPTS [PREFIX...]
  local dir=$1 socket=$2 opts=$3; shift 3
  VIRTIO4J_JAVA_OPTS="-Xlog:gc:file=$dir/gc.log ${OURS_JAVA_OPTS:-} $opts" "$@" "${V4J_LAUNCHER:-./virtio4j}" switch --config "$dir/switch.conf" \
    > "$dir/ours.log" 2>&1 &
  be_pids+=($!); pids+=($!)
  wait_for 600 "the daemon's sockets" test -S "$socket" -a -S "$dir/ctl.sock" \
    || { tail -20 "$dir/ours.log" >&2; return 1; }
}
