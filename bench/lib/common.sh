# Sourced, not run: what the bench scripts comparing back-ends share (bench/switch-compare.sh,
# bench/guest-tcp.sh). The caller sets, before sourcing:
#   BENCH   the prefix of every message (the script's name)
#   KEEP    a directory to copy the work directory to on exit, or empty
#   prefix  the DPDK --file-prefix stem of every DPDK process it starts (their hugepage and runtime
#           files are removed with it)
# and gets:
#   work                       a fresh work directory, removed on exit (copied to KEEP first)
#   pids[]                     every process to stop on exit or Ctrl-C (the caller appends to it)
#   pgroups[]                  process groups to stop on exit or Ctrl-C (leaders started with setsid)
#   die MESSAGE                prints "BENCH: MESSAGE" and exits 1
#   stop_run PID...            TERM, then KILL after 10 s, each PID; empties pids[]; removes DPDK files
#   pause S                    a sleep a signal interrupts at once
#   wait_for TENTHS WHAT CMD...  polls CMD every 0.1 s, TENTHS times at most
#   hugepages_ready FREE       mounts hugetlbfs, raises vm.nr_hugepages to 1024, needs FREE free pages
#   cpu_busy_percent / busy_warning   how busy the CPUs are with other work (over 2 s)
#   median_best MAX|MIN        numbers on stdin (one a line) -> "median best" ("- -" for none)
#   ratio A B                  A / B with two decimals ("-" when either is missing or B is 0)
#   ours_ctl DIR COMMAND       the daemon's control socket DIR/ctl.sock, without a JVM
#   vhost_lib_features LOG     "SOCKET HEX" of each lib/vhost "negotiated Virtio features" line
#   OVS_VSWITCHD, ovs ARGS..., ovs_appctl ARGS..., ovs_daemon_start DIR KEY=VALUE...
#       a private OVS-DPDK (ovsdb and ovs-vswitchd on CPU 1, its files in DIR/ovs)

work=$(mktemp -d "/tmp/$BENCH.XXXXXX")
pids=()
pgroups=()
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
  rm -rf /dev/hugepages/"$prefix"-* /var/run/dpdk/"$prefix"-* 2>/dev/null || true
  if [ -n "$KEEP" ]; then
    mkdir -p "$KEEP" && cp -r "$work"/. "$KEEP"/ && echo "$BENCH: logs kept in $KEEP" >&2
  fi
  rm -rf "$work"
}
trap cleanup EXIT
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
ovsdir=
ovs() { ovs-vsctl --db="unix:$ovsdir/db.sock" "$@"; }
ovs_appctl() { ovs-appctl -t "$ovsdir/ovs-vswitchd.ctl" "$@"; }
# A private OVS-DPDK: its ovsdb in DIR/ovs, one PMD on CPU 1 (pmd-cpu-mask=0x2, the whole process
# under taskset -c 1), per-port memory (else a vhost port sometimes gets none), the other_config
# KEY=VALUEs given (read at start, like userspace-tso-enable). Sets be_pids to its two processes
# (and appends them to pids). The caller adds the bridge and ports.
ovs_daemon_start() { # DIR [KEY=VALUE...]
  ovsdir=$1/ovs; shift
  mkdir -p "$ovsdir"
  export OVS_RUNDIR=$ovsdir OVS_LOGDIR=$ovsdir OVS_DBDIR=$ovsdir OVS_SYSCONFDIR=$ovsdir
  ovsdb-tool create "$ovsdir/conf.db" /usr/share/openvswitch/vswitch.ovsschema
  taskset -c 1 ovsdb-server "$ovsdir/conf.db" --remote="punix:$ovsdir/db.sock" \
    --pidfile="$ovsdir/ovsdb-server.pid" --log-file="$ovsdir/ovsdb-server.log" --unixctl="$ovsdir/ovsdb-server.ctl" \
    > /dev/null 2>&1 &
  be_pids=($!); pids+=($!)
  wait_for 100 "ovsdb-server" test -S "$ovsdir/db.sock" || return 1
  ovs --no-wait init || return 1
  ovs --no-wait set Open_vSwitch . other_config:dpdk-init=true \
    other_config:dpdk-extra="--file-prefix=$prefix-ovs --no-pci" other_config:pmd-cpu-mask=0x2 \
    other_config:per-port-memory=true "${@/#/other_config:}"
  taskset -c 1 "$OVS_VSWITCHD" "unix:$ovsdir/db.sock" --pidfile="$ovsdir/ovs-vswitchd.pid" \
    --log-file="$ovsdir/ovs-vswitchd.log" --unixctl="$ovsdir/ovs-vswitchd.ctl" > /dev/null 2>&1 &
  be_pids+=($!); pids+=($!)
  wait_for 300 "ovs-vswitchd" test -S "$ovsdir/ovs-vswitchd.ctl" || return 1
}

# The daemon as users start it: ./virtio4j switch --config DIR/switch.conf (whose relative paths
# are DIR's), its log in DIR/ours.log and its GC log in DIR/gc.log, run under PREFIX (e.g.
# taskset -c 1); waits for DIR/SOCKET and DIR/ctl.sock. Sets ours_pid and be_pids (and appends to pids).
ours_daemon_start() { # DIR SOCKET JAVA_OPTS [PREFIX...]
  local dir=$1 socket=$2 opts=$3; shift 3
  VIRTIO4J_JAVA_OPTS="-Xlog:gc:file=$dir/gc.log ${OURS_JAVA_OPTS:-} $opts" "$@" ./virtio4j switch --config "$dir/switch.conf" \
    > "$dir/ours.log" 2>&1 &
  ours_pid=$!; be_pids=($!); pids+=($!)
  wait_for 600 "the daemon's sockets" test -S "$dir/$socket" -a -S "$dir/ctl.sock" \
    || { tail -20 "$dir/ours.log" >&2; return 1; }
}
