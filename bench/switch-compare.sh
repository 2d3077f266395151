#!/usr/bin/env bash
# The switch daemon against DPDK and OVS-DPDK, in the same run (issue 20, "The benchmark").
#
#   bench/switch-compare.sh [--rounds N] [--seconds S] [--warmup S] [--configs LIST] [--backends LIST]
#                           [--rings split|packed|both] [--capture-cost] [--flows-cost] [--profile]
#                           [--profiler jfr|async]
#                           [--keep DIR]
#   (or ROUNDS, DURATION, WARMUP, CONFIGS, BACKENDS, RINGS in the environment; SECONDS is bash's own
#    clock, so the measuring time is DURATION / --seconds)
#
# Three back-ends, each alone on CPU 1, with the same front-end on CPU 0:
#   dpdk  dpdk-testpmd with two net_vhost ports (DPDK's lib/vhost, the switch's sockets), io
#         forwarding (mac forwarding for l3: the MAC rewrite a router does; testpmd has no TTL),
#         forwarding lcore on CPU 1, --record-core-cycles.
#   ovs   OVS-DPDK 3.1 (/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk, private ovsdb in the
#         work directory), datapath_type=netdev, one PMD on CPU 1 (pmd-cpu-mask=0x2, the whole
#         process under taskset -c 1), dpdkvhostuserclient ports, other_config:per-port-memory=true.
#         Flows: flood = port-to-port (in_port=1 -> 2 and back), unicast/1518 = NORMAL,
#         l3 = one OpenFlow rule per direction: ip, dl_dst=gateway MAC, nw_dst=other subnet ->
#         mod_dl_src:gateway MAC, mod_dl_dst:host MAC, dec_ttl, output.
#   ours  the daemon as users start it: ./virtio4j switch --config FILE (two vhost-user-server
#         ports; l3: two subnets on VLANs 10 and 20, l3 = ovs-only, static neighbours). Placement
#         (PLACEMENT): "jvm" (default) runs the whole JVM under taskset -c 1, as DPDK and OVS get one
#         core; "pmd" pins only the PMD thread with the config key pmd-cpus = 1 (as OVS's
#         pmd-cpu-mask) and leaves the JVM's other threads (idle while frames flow) to the scheduler.
#         Either way the daemon's rate can flip between two levels (about 134 and 213 ns per frame at
#         100% busy) within one run with no compilation or GC event at the flip (docs/switch-datapath.md).
#   capture  ours again, the same daemon and config, with a packet capture running the whole run (not
#         in the default list): once the daemon is up, before the front-end starts, "ctl capture vm1
#         both --count 100000000 --seconds WARMUP+DURATION+60 --write /dev/null", so every frame the
#         switch forwards is copied once into the capture ring (vm1's rx is vm2's tx) and written
#         by the capture's writer thread (with PLACEMENT=jvm on CPU 1 too, beside the PMD: what one
#         core for the switch costs). At the end of the window "ctl captures" must still say
#         "running" (else the run is reported FAILED: its window would mix), and the frames written
#         and not captured (ring full) are printed. --capture-cost runs "ours capture" only and the
#         summary adds the cost: capture/ours of the medians, in Mpps and busy cycles per frame
#         (issue 19: "measure the cost while one runs"; docs/switch-config.md, "Packet capture").
#   base  ours built from another checkout (BASE_ROOT, e.g. a git worktree of the commit before a
#         change, or . for this one) with BASE_JAVA_OPTS (not in the default list): the summary adds
#         ours/base of the medians and paired round by round, a before and after in the same rounds.
#   flows  ours again with the configuration's forwarding written as OpenFlow 1.3 flows (not in the
#         default list; issue 18): l3 = none, the agent's listener on loopback, and before the
#         front-end starts "ovs-ofctl -O OpenFlow13" replaces the default NORMAL flow with
#         dl_dst -> output flows (unicast, 1518) or the two routing flows OVS gets (l3: gateway MAC
#         and subnet -> MACs rewritten, dec_ttl, VLAN set, output). flood and vxlan are not measured (a flood
#         is NORMAL's own work). --flows-cost runs "ours flows" on unicast and l3 (unless --configs
#         says otherwise) and the summary adds flows/ours of the medians, in Mpps and busy cycles
#         per frame (the issue asks for within 10%), and "paired": the median over rounds of each
#         round's flows/ours (the two ran back to back; the host's slow phases last minutes). Needs ovs-ofctl (apt: openvswitch-common).
#
# Front-end (CPU 0, forwarding lcore; its idle interactive main lcore is on CPU 1): dpdk-testpmd
# with two net_virtio_user ports (server=1 for OVS, whose ports are vhost clients; client for the
# others), queue_size=1024, hugepages with --single-file-segments, interactive (commands on
# stdin), "start tx_first 8". Frame rates are what the front-end received over both ports
# ("Rx-pps"/"Rx-bps" of the second "show port stats all", i.e. over the measuring window).
#
# Configurations (CONFIGS, default all four):
#   flood    L2, unknown destination: testpmd io forwarding; its frames are addressed to testpmd's
#            default peer MACs, which never appear as a source, so the switch floods each one to
#            the only other port. 64-byte frames.
#   unicast  L2, learned unicast: testpmd mac forwarding with --eth-peer set so each port's frames
#            go to the other port's MAC (learned from the first frames). 64-byte frames.
#   l3       ovs-only L3: frames from host 10.0.1.2 (VLAN 10) to 10.0.2.2 (VLAN 20) and back,
#            addressed to the gateway MAC, routed (MACs rewritten, TTL decremented). testpmd never
#            refreshes the TTL, so a dec_ttl loop would die after 64 passes: the front-end here is
#            bench/l3-frontend.c (built with gcc + pkg-config libdpdk), testpmd's io forwarding plus
#            what the two hosts would do: every frame it forwards gets Ethernet dst = the gateway
#            MAC of the side it goes to, src = that port's MAC, TTL 64 and a recomputed IPv4
#            checksum. It speaks testpmd's commands and prints testpmd's stats format. 64 bytes.
#   1518     L2 learned unicast (as unicast) with 1518-byte frames; Gbit/s is what matters here.
#   vxlan    (not in the default list; issue 17) two hosts (network namespaces) joined by VXLAN over
#            a veth pair: ours = two daemons, ovs = two ovs-vswitchd-dpdk, each host's switch on
#            CPU 1 beside the other's; a txonly generator on host A's vhost port and an rxonly sink
#            on host B's, 1518-byte frames, learned unicast. The dpdk and capture back-ends have no
#            tunnel and are skipped. Rate = what the sink received; cycles = both switches' busy
#            cycles per such frame. Topology, OVS's br-phy set-up and why: bench/switch-tunnel.sh
#            (OVS_UNDERLAY=afxdp|system: how OVS reads the veth) and docs/switch-datapath.md.
# Rings (RINGS / --rings, default split): split, packed, or both (each configuration measured with
# split and with packed rings in the same rounds, the summary's rows side by side with a "rings"
# column, plus packed/split of each back-end's medians). Packed means the front-end's ports ask for
# VIRTIO_F_RING_PACKED (net_virtio_user packed_vq=1); every back-end here offers it (DPDK's lib/vhost
# behind net_vhost and OVS's dpdkvhostuserclient ports by default, ours since issue 14), so the ring
# kind is what the front-end asks. Each run checks that it got it: the features each back-end logged
# for each of its two sockets (testpmd's and OVS's "(SOCKET) negotiated Virtio features: 0x...",
# lib/vhost's INFO line; the daemon's "features negotiated 0x..." per port) must have bit 34
# (VIRTIO_F_RING_PACKED) set for packed and clear for split, else the run is reported FAILED.
#
# Frame sizes are bytes in the ring, as testpmd counts them (--txpkts; virtio carries no FCS), and
# Gbit/s is the bytes the front-end received times 8 (no FCS, preamble or gap: 1518 x 8 bits per
# frame; the issue's "5.7 Mpps (70 Gbit/s)" anchor counts about 1538 bytes, a wire's, per frame).
#
# Busy cycles per frame are the back-end's own figure over the measuring window: testpmd's
# "CPU cycles/packet" (--record-core-cycles, "clear fwd stats all" then "show fwd stats all"),
# OVS's "avg processing cycles per packet" (dpif-netdev/pmd-stats-clear, then -show), and for
# ours the daemon's PMD busy nanoseconds per frame (ctl pmd-stats, the busy_ms and frames deltas)
# times the clock in /proc/cpuinfo. All three count time in poll rounds that found frames. The
# control socket is read with a few lines of python (the ctl protocol: a command line, then the
# table), not with "./virtio4j ctl", whose JVM start would steal CPU from the run.
#
# Warm-up: WARMUP seconds of traffic, then for the daemon (ours, capture, flows) until the JIT is
# done with the frame path (ours_steady: two consecutive seconds of busy ns per frame within 5%,
# at most 20 s more; the round line prints how long that took). C2 compiles the PMD's hot methods
# only once frames run through them, on the CPU the PMD keeps busy, and until then a frame costs
# 2-10 times its steady figure: a fixed 2-5 s warm-up left several of those seconds inside the
# measuring window, and which runs they fell into made much of the spread between rounds.
# DPDK and OVS are compiled ahead of time and measured after WARMUP alone.
#
# FE_OPTS adds testpmd options and FE_DEVARGS net_virtio_user devargs to the front-end (a
# diagnosis, e.g. FE_OPTS="--record-burst-stats --record-core-cycles" or FE_DEVARGS=in_order=0).
#
# Rounds rotate the back-ends (round r starts with the r-th), at least 5 rounds for a result: this
# machine has slow phases (shared notes). Per configuration it prints the median and best Mpps,
# Gbit/s and busy cycles per frame of each back-end, the ratios ours/DPDK and ours/OVS (of the
# medians and of the bests), and the issue's anchor ranges for DPDK and OVS to check against.
#
# --profile: after the rounds, one more run of ours per configuration with a JFR recording
# (settings=profile, Java execution samples every 1 ms); prints the PMD thread's top frames (self and
# inclusive, from "jfr print --events jdk.ExecutionSample") and its allocation samples. JFR samples
# only threads running Java code. --profiler async (implies --profile) uses async-profiler 4.2
# instead (fetched from Maven Central by ./mvnw into ~/.m2; AP_EVENT=cpu, perf_events, or itimer),
# which samples native frames too. Those runs are not in the table. PROFILED=flows profiles the
# flows back-end instead of ours.
#
# Needs root (hugepages, OVS, namespaces), dpdk-testpmd (apt: dpdk), libdpdk-dev + gcc for l3 (apt: dpdk-dev),
# /usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk (apt: openvswitch-switch-dpdk), 2 CPUs.
# Everything it starts (processes, sockets, hugepage files, the ovsdb, vxlan's namespaces) is
# removed on exit and on Ctrl-C; --keep DIR keeps the logs (per run: front-end, back-end, daemon ctl
# tables, OVS flows). The shell functions it shares with bench/guest-tcp.sh are in bench/lib/common.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-5}
CONFIGS=${CONFIGS:-flood unicast l3 1518}
BACKENDS=${BACKENDS:-dpdk ovs ours}
RINGS=${RINGS:-split}
PLACEMENT=${PLACEMENT:-jvm}
PROFILE=0
PROFILER=${PROFILER:-jfr}
PROFILED=${PROFILED:-ours}        # the back-end --profile runs once more: ours, or flows (its OpenFlow twin)
AP_EVENT=${AP_EVENT:-cpu}
KEEP=
CONFIGS_GIVEN=0
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --seconds) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --configs) CONFIGS=${2//,/ }; CONFIGS_GIVEN=1; shift 2 ;;
    --backends) BACKENDS=${2//,/ }; shift 2 ;;
    --rings) RINGS=$2; shift 2 ;;
    --capture-cost) BACKENDS="ours capture"; shift ;;
    --flows-cost) BACKENDS="ours flows"; FLOWS_CONFIGS="unicast l3"; shift ;;
    --profile) PROFILE=1; shift ;;
    --profiler) PROFILER=$2; PROFILE=1; shift 2 ;;
    --keep) KEEP=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "switch-compare: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -z "${FLOWS_CONFIGS:-}" ] || [ "$CONFIGS_GIVEN" = 1 ] || CONFIGS=$FLOWS_CONFIGS
CONFIGS=${CONFIGS//,/ }; BACKENDS=${BACKENDS//,/ }
for c in $CONFIGS; do case $c in flood|unicast|l3|1518|vxlan) ;; *) echo "switch-compare: unknown config $c" >&2; exit 2 ;; esac; done
case $RINGS in split|packed) ;; both) RINGS="split packed" ;; *) echo "switch-compare: --rings is split, packed or both" >&2; exit 2 ;; esac
case $PROFILER in jfr|async) ;; *) echo "switch-compare: --profiler is jfr or async" >&2; exit 2 ;; esac
for b in $BACKENDS; do case $b in dpdk|ovs|ours|capture|flows|base) ;; *) echo "switch-compare: unknown back-end $b" >&2; exit 2 ;; esac; done

BENCH=switch-compare
prefix=v4jb$$                     # DPDK file prefixes: v4jb<pid>-fe, -be, -ovs (vxlan: -ovsa, -ovsb, -sink)
# shellcheck source=lib/common.sh
. bench/lib/common.sh
[ "$(id -u)" = 0 ] || die "needs root (hugepages, OVS-DPDK)"
[ "$(nproc)" -ge 2 ] || die "needs CPUs 0 and 1"
command -v dpdk-testpmd >/dev/null || die "needs dpdk-testpmd (apt-get install dpdk)"
case " $CONFIGS " in *" vxlan "*)
  for t in ip ethtool; do command -v $t > /dev/null || die "vxlan needs $t (apt-get install iproute2 ethtool)"; done ;;
esac
if [ "$PLACEMENT" = pmd ]; then
  grep -q '"pmd-cpus"' switch-ovs/src/main/java/io/virtio4j/ovs/config/SwitchConfigReader.java \
    || die "PLACEMENT=pmd needs the daemon's pmd-cpus config key, which this tree does not have"
elif [ "$PLACEMENT" != jvm ]; then die "PLACEMENT is jvm or pmd"; fi
case " $BACKENDS " in *" base "*) [ -x "${BASE_ROOT:-}/virtio4j" ] || die "base needs BASE_ROOT, a checkout to compare ours with (git worktree add DIR REV)" ;; esac
case " $BACKENDS " in *" flows "*) command -v ovs-ofctl > /dev/null || die "flows needs ovs-ofctl (apt-get install openvswitch-common)" ;; esac
case " $BACKENDS " in *" ovs "*) [ -x "$OVS_VSWITCHD" ] || die "needs $OVS_VSWITCHD (apt-get install openvswitch-switch-dpdk)" ;; esac
. .mvn/find-jdk.sh
# 2 MiB hugepages: 512 MiB for the front-end, 512 for testpmd's back-end, OVS's per-port pools.
hugepages_ready 768

# ---------------------------------------------------------------- addresses and names
MAC0=02:fe:00:00:00:00            # front-end port 0 (host 0, 10.0.1.2, VLAN 10)
MAC1=02:fe:00:00:00:01            # front-end port 1 (host 1, 10.0.2.2, VLAN 20)
GW0=02:00:00:00:01:01             # gateway MAC of 10.0.1.0/24
GW1=02:00:00:00:02:01             # gateway MAC of 10.0.2.0/24
IP0=10.0.1.2; IP1=10.0.2.2
MHZ=$(awk -F: '/^cpu MHz/ {printf "%.0f", $2; exit}' /proc/cpuinfo)

# ---------------------------------------------------------------- the vxlan configuration
# shellcheck source=switch-tunnel.sh
. bench/switch-tunnel.sh

# ---------------------------------------------------------------- builds
echo "switch-compare: building the daemon (./virtio4j builds what is stale) ..." >&2
./virtio4j help > /dev/null 2>&1 || true
[ -f samples/target/samples-0.1.0-SNAPSHOT.jar ] || die "the daemon did not build (./mvnw -q -B -DskipTests package)"
l3fe=$work/l3-frontend
case " $CONFIGS " in *" l3 "*)
  pkg-config --exists libdpdk || die "l3 needs libdpdk's pkg-config (apt-get install dpdk-dev)"
  gcc -O2 -Wall -o "$l3fe" bench/l3-frontend.c $(pkg-config --cflags --libs libdpdk) ;;
esac

# ---------------------------------------------------------------- the front-end
# Runs a front-end process: NAME.in (a fifo) is its stdin, NAME.log its output.
fe_pids=()
frontend_launch() { # DIR NAME COMMAND...
  local dir=$1 name=$2; shift 2
  mkfifo "$dir/$name.in"
  stdbuf -oL "$@" < "$dir/$name.in" > "$dir/$name.log" 2>&1 &
  fe_pids+=($!); pids+=($!)
}
# Starts the front-end of CONFIG on DIR/p0.sock and DIR/p1.sock, commands from DIR/fe.in (fd 8);
# vxlan's has a second process, the sink (sink=1: DIR/sink.in on fd 9, its rates are the run's).
sink=0
frontend_start() { # DIR CONFIG SERVER(0|1)
  local dir=$1 config=$2 server=$3 srv=
  sink=0
  [ "$config" = vxlan ] && { tunnel_frontend_start "$dir" "$server"; return; }
  [ "$server" = 1 ] && srv=,server=1
  [ "$ring" = packed ] && srv+=,packed_vq=1
  # FE_DEVARGS: more net_virtio_user devargs for a diagnosis, e.g. "in_order=0"
  srv+=${FE_DEVARGS:+,$FE_DEVARGS}
  local eal=(-l 0,1 --main-lcore 1 --file-prefix "$prefix-fe" --single-file-segments -m 512 --no-pci
    --vdev "net_virtio_user0,path=$dir/p0.sock,queues=1,queue_size=1024,mac=$MAC0$srv"
    --vdev "net_virtio_user1,path=$dir/p1.sock,queues=1,queue_size=1024,mac=$MAC1$srv")
  local cmd
  case $config in
    l3) cmd=("$l3fe" "${eal[@]}" -- --gw-mac0 "$GW0" --gw-mac1 "$GW1" --ip0 "$IP0" --ip1 "$IP1") ;;
    *)
      # FE_OPTS: more testpmd options for a diagnosis, e.g. "--record-burst-stats --record-core-cycles"
      # (the front-end's burst sizes and busy cycles, printed in fe.log when it quits).
      cmd=(dpdk-testpmd "${eal[@]}" -- -i --nb-cores=1 --rxq=1 --txq=1 --rxd=1024 --txd=1024 --total-num-mbufs=32768 ${FE_OPTS:-})
      case $config in
        flood) cmd+=(--forward-mode=io) ;;
        unicast) cmd+=(--forward-mode=mac "--eth-peer=0,$MAC1" "--eth-peer=1,$MAC0") ;;
        1518) cmd+=(--forward-mode=mac "--eth-peer=0,$MAC1" "--eth-peer=1,$MAC0" --txpkts=1518) ;;
      esac ;;
  esac
  frontend_launch "$dir" fe "${cmd[@]}"
  exec 8> "$dir/fe.in"
}

prompted() { grep -qE '(testpmd|l3fe)> ' "$1"; }
frontend_ready() { prompted "$1/fe.log" && { [ $sink = 0 ] || prompted "$1/sink.log"; }; } # DIR
frontend_say() { echo "$1" >&8; [ $sink = 0 ] || echo "$1" >&9; } # COMMAND, to every front-end process
# The log whose "Rx-pps" lines are the run's rate, and how many ports each "show port stats" lists.
rate_log() { [ $sink = 0 ] && echo "$1/fe.log" || echo "$1/sink.log"; } # DIR
rate_ports() { [ $sink = 0 ] && echo 2 || echo 1; }
count_lines() { grep -c "$2" "$1" || true; }

# Sum over the ports of the Rx-pps and Rx-bps of the last "show port stats all": "PPS BPS".
frontend_rates() { # LOG
  grep 'Rx-pps:' "$1" | tail -"$(rate_ports)" | awk '{pps += $2; bps += $4} END {printf "%.0f %.0f\n", pps, bps}'
}

# A loop that loses frames slows down and can die (0 Mpps): say so, so a lost loop is not read as a
# slow back-end. The front-end's forwarding core drops a frame when its TX ring is full.
frontend_drops() { # LOG WHAT
  local dropped
  dropped=$(sed -n '/Accumulated forward statistics/,$p' "$1" | awk '/TX-dropped:/ {
    for (i = 1; i < NF; i++) if ($i == "TX-dropped:") s += $(i + 1)} END {print s + 0}')
  [ "$dropped" = 0 ] || echo "switch-compare: $2: the front-end dropped $dropped frames (TX ring full) of 512 injected" >&2
}

# ---------------------------------------------------------------- the back-ends
# Each back-end defines NAME_start DIR CONFIG, NAME_mark DIR (start of the window),
# NAME_cycles DIR (busy cycles per frame over the window), NAME_stop DIR, and NAME_features DIR
# (one "SOCKET-OR-PORT HEX" line per feature negotiation it logged, in order).

# Whether each of the back-end's two sockets last negotiated the ring kind of this run ($ring):
# VIRTIO_F_RING_PACKED is bit 34. A run that got the other kind would measure the wrong thing.
rings_negotiated() { # BACKEND DIR
  local last key hex packed want=0 n=0 bad=
  [ "$ring" = packed ] && want=1
  last=$("${1}_features" "$2" | awk '{sub(/.*\//, "", $1); f[$1] = $2} END {for (k in f) print k, f[k]}')
  while read -r key hex; do
    [ -n "$key" ] || continue
    n=$((n + 1)); packed=$(( (0x$hex >> 34) & 1 ))
    [ "$packed" = "$want" ] || bad+=" $key: 0x$hex (packed $packed)"
  done <<< "$last"
  if [ "$n" != 2 ] || [ -n "$bad" ]; then
    echo "switch-compare: $1 asked for $ring rings; negotiated on $n of 2 sockets:${bad:- (none logged)}" >&2
    return 1
  fi
  echo "switch-compare: $1: $ring rings negotiated on both sockets (${last//$'\n'/, })" >&2
}

be_pids=()

dpdk_start() { # DIR CONFIG
  local dir=$1 mode=io
  [ "$2" = l3 ] && mode="mac --eth-peer=0,$MAC0 --eth-peer=1,$MAC1"
  mkfifo "$dir/be.in"
  # shellcheck disable=SC2086
  stdbuf -oL dpdk-testpmd -l 0,1 --main-lcore 0 --file-prefix "$prefix-be" -m 512 --no-pci \
    --vdev "net_vhost0,iface=$dir/p0.sock,queues=1" --vdev "net_vhost1,iface=$dir/p1.sock,queues=1" -- \
    -i --nb-cores=1 --rxd=1024 --txd=1024 --total-num-mbufs=32768 --record-core-cycles --forward-mode=$mode \
    < "$dir/be.in" > "$dir/be.log" 2>&1 &
  be_pids=($!); pids+=($!)
  exec 7> "$dir/be.in"
  wait_for 300 "testpmd's vhost sockets" test -S "$dir/p1.sock" || return 1
  wait_for 300 "the back-end's prompt" prompted "$dir/be.log" || return 1
  echo start >&7
  frontend_start "$dir" "$2" 0
}
dpdk_mark() { echo 'clear fwd stats all' >&7; }
dpdk_steady() { steady_after=0; }
dpdk_cycles() { # DIR
  local n; n=$(count_lines "$1/be.log" 'CPU cycles/packet')
  echo 'show fwd stats all' >&7
  wait_for 150 "fwd stats" test "$(count_lines "$1/be.log" 'CPU cycles/packet')" -gt "$n"
  grep 'CPU cycles/packet' "$1/be.log" | tail -1 | sed 's/.*cycles\/packet=\([0-9.]*\).*/\1/'
}
dpdk_features() { vhost_lib_features "$1/be.log"; }
dpdk_stop() { echo quit >&7 2>/dev/null || true; exec 7>&-; }

ovs_start() { # DIR CONFIG
  local dir=$1 config=$2
  be_pids=()
  ovs_daemons "$dir/ovs" "$prefix-ovs" || return 1
  export OVS_RUNDIR=$ovsdir
  ovs --timeout=60 add-br br0 -- set bridge br0 datapath_type=netdev \
    -- add-port br0 p0 -- set Interface p0 type=dpdkvhostuserclient options:vhost-server-path="$dir/p0.sock" ofport_request=1 \
    -- add-port br0 p1 -- set Interface p1 type=dpdkvhostuserclient options:vhost-server-path="$dir/p1.sock" ofport_request=2 \
    || return 1
  ovs-ofctl del-flows br0
  case $config in
    flood) ovs-ofctl add-flow br0 in_port=1,actions=output:2; ovs-ofctl add-flow br0 in_port=2,actions=output:1 ;;
    unicast|1518) ovs-ofctl add-flow br0 actions=NORMAL ;;
    l3)
      ovs-ofctl add-flow br0 "ip,dl_dst=$GW0,nw_dst=10.0.2.0/24,actions=mod_dl_src:$GW1,mod_dl_dst:$MAC1,dec_ttl,output:2"
      ovs-ofctl add-flow br0 "ip,dl_dst=$GW1,nw_dst=10.0.1.0/24,actions=mod_dl_src:$GW0,mod_dl_dst:$MAC0,dec_ttl,output:1" ;;
  esac
  # OVS's ports are vhost clients (they retry every second): the front-end listens.
  frontend_start "$dir" "$config" 1
}
ovs_mark() { ovs_appctl dpif-netdev/pmd-stats-clear > /dev/null; }
ovs_steady() { steady_after=0; }
ovs_cycles() { # DIR
  ovs_appctl dpif-netdev/pmd-stats-show > "$1/pmd-stats.txt"
  ovs_tables "$1"
  sed -n 's/.*avg processing cycles per packet: *\([0-9.]*\).*/\1/p' "$1/pmd-stats.txt" | head -1
}
ovs_features() { vhost_lib_features "$1/ovs/ovs-vswitchd.log"; }
ovs_stop() { ovs_appctl exit > /dev/null 2>&1 || true; }

# The [switch] section: control socket, counters file, L3 mode, PMD placement.
ours_header() { # L3
  printf '[switch]\ncontrol = ctl.sock\ncounters = switch.counters\nl3 = %s\n' "$1"
  [ "$PLACEMENT" != pmd ] || printf 'pmd-cpus = 1\n'
}
# Starts the daemon on DIR/switch.conf (the whole JVM on CPU 1 unless PLACEMENT=pmd), waits for its
# control socket and SOCKET; COMMAND-PREFIX (e.g. ip netns exec NS) runs it in a host's namespace.
ours_launch() { # DIR SOCKET JAVA_OPTS [COMMAND-PREFIX...]
  local pin=(taskset -c 1)
  [ "$PLACEMENT" != pmd ] || pin=()
  ours_daemon_start "$@" "${pin[@]}"
}
# Writes DIR/switch.conf for CONFIG: the [switch] section with L3 mode L3 and EXTRA lines, the
# subnets and neighbours of l3 when L3 is ovs-only, the two ports (l3: vm1 on VLAN 10, vm2 on 20).
ours_config() { # DIR CONFIG L3 [EXTRA]
  local dir=$1 config=$2 l3=$3
  {
    ours_header "$l3"
    [ -z "${4:-}" ] || printf '%s\n' "$4"
    if [ "$l3" = ovs-only ]; then
      printf '\n[subnet a]\nprefix = 10.0.1.0/24\nvlan = 10\ngateway = 10.0.1.1\ngateway-mac = %s\n' "$GW0"
      printf '\n[subnet b]\nprefix = 10.0.2.0/24\nvlan = 20\ngateway = 10.0.2.1\ngateway-mac = %s\n' "$GW1"
      printf '\n[neighbour host0]\nip = %s\nmac = %s\nvlan = 10\n' "$IP0" "$MAC0"
      printf '\n[neighbour host1]\nip = %s\nmac = %s\nvlan = 20\n' "$IP1" "$MAC1"
    fi
    printf '\n[port vm1]\ntype = vhost-user-server\npath = p0.sock\nvlan = 10\n'
    printf '\n[port vm2]\ntype = vhost-user-server\npath = p1.sock\nvlan = %s\n' "$([ "$config" = l3 ] && echo 20 || echo 10)"
  } > "$dir/switch.conf"
}
ours_start() { # DIR CONFIG [JAVA_OPTS]
  local dir=$1 config=$2
  be_pids=()
  ours_config "$dir" "$config" "$([ "$config" = l3 ] && echo ovs-only || echo none)"
  ours_launch "$dir" "$dir/p1.sock" "${3:-}" || return 1
  frontend_start "$dir" "$config" 0
}
# Whether the daemon's ctl offers COMMAND (it answers only once every command is registered).
ctl_offers() { ours_ctl "$1" help | grep -qw "$2"; } # DIR COMMAND
# "busy_ms frames" of PMD 0.
ours_pmd() { ours_ctl "$1" pmd-stats | awk '$1 == "0" {print $5, $2}'; }
ours_mark() { ours_pmd "$1" > "$1/pmd0.txt"; count_lines "$1/gc.log" Pause > "$1/gc0.txt"; }
# After the fixed warm-up, waits until the JIT is done with the frame path: C2 compiles the PMD's
# hot methods only once they run, and on the CPU the PMD keeps busy each takes about a second
# (several seconds in all, more after a deoptimisation), during which a frame costs 2-10 times
# its steady figure. Steady: two consecutive 1-second busy-ns-per-frame figures within
# STEADY_PCT (5) % of each other, or STEADY_MAX (20) seconds. Sets steady_after to the seconds
# waited ("20+" when it gave up). DPDK and OVS compile ahead of time: their wait is 0.
steady_after=0
ours_steady() { # DIR
  local b0 f0 b1 f1 prev= cur waited=0
  read -r b0 f0 <<< "$(ours_pmd "$1")"
  while [ "$waited" -lt "${STEADY_MAX:-20}" ]; do
    sleep 1; waited=$((waited + 1))
    read -r b1 f1 <<< "$(ours_pmd "$1")"
    cur=$(awk -v b="$((b1 - b0))" -v f="$((f1 - f0))" 'BEGIN {print (f > 0) ? b * 1e6 / f : 0}')
    b0=$b1 f0=$f1
    if [ -n "$prev" ] && awk -v a="$prev" -v c="$cur" -v p="${STEADY_PCT:-5}" \
        'BEGIN {exit !(a > 0 && c > 0 && (a - c) / a * 100 <= p && (c - a) / a * 100 <= p)}'; then
      steady_after=$waited; return 0
    fi
    prev=$cur
  done
  steady_after="$waited+"
}
# "BUSY_MS FRAMES" of PMD 0 since ours_mark.
ours_busy() { # DIR
  local b0 f0 b1 f1
  read -r b0 f0 < "$1/pmd0.txt"
  read -r b1 f1 < <(ours_pmd "$1")
  awk -v b0="$b0" -v f0="$f0" -v b1="$b1" -v f1="$f1" 'BEGIN {print b1 - b0, f1 - f0}'
}
# Keeps the ctl tables in DIR/ctl-*.txt; warns of GC pauses in the window and of drops.
ours_tables() { # DIR
  local cmd gcs drops
  for cmd in ports pmd-stats drops pipeline fdb flows vteps; do ours_ctl "$1" "$cmd" > "$1/ctl-$cmd.txt" 2>&1 || true; done
  gcs=$(( $(count_lines "$1/gc.log" Pause) - $(cat "$1/gc0.txt") ))
  drops=$(awk '$1 != "OK" && NF == 2 && $2 ~ /^[0-9]+$/ {s += $2} END {print s + 0}' "$1/ctl-drops.txt")
  [ "$gcs" = 0 ] && [ "$drops" = 0 ] || echo "switch-compare: ours: $gcs GC pauses in the window, $drops frames dropped in the run ($1)" >&2
}
ours_cycles() { # DIR
  local b f
  read -r b f <<< "$(ours_busy "$1")"
  ours_tables "$1"
  awk -v b="$b" -v f="$f" -v mhz="$MHZ" 'BEGIN {if (f > 0) printf "%.1f\n", b * 1e6 / f * mhz / 1e3; else print 0}'
}
# The vhost-user session's INFO line: "THREAD: features negotiated 0xHEX (offered 0x...)".
ours_features() { sed -n 's/.* \([^ ]*\): features negotiated 0x\([0-9a-f]*\) .*/\1 \2/p' "$1/ours.log"; }
ours_stop() { :; }

# ours with a capture of vm1, both directions, into /dev/null, running from before the first frame.
capture_start() { # DIR CONFIG [JAVA_OPTS]
  ours_start "$@" || return 1
  # The daemon answers only once all its commands are in; this check guards against older builds.
  wait_for 100 "ctl capture" ctl_offers "$1" capture \
    || { echo "switch-compare: the daemon never offered ctl capture" >&2; return 1; }
  ours_ctl "$1" "capture vm1 both count=100000000 seconds=$((WARMUP + DURATION + 60)) write=/dev/null" \
    > "$1/ctl-capture.txt" 2>&1
  grep -q '^OK' "$1/ctl-capture.txt" || { echo "switch-compare: capture did not start: $(cat "$1/ctl-capture.txt")" >&2; return 1; }
}
capture_mark() { ours_mark "$1"; }
capture_steady() { ours_steady "$1"; }
# The cycles as ours_cycles; fails (the run is FAILED) unless the capture ran through the window.
capture_cycles() { # DIR
  local cycles state
  cycles=$(ours_cycles "$1")
  ours_ctl "$1" captures > "$1/ctl-captures.txt" 2>&1 || true
  # Columns: port direction state frames bytes not_captured file.
  state=$(awk '$1 == "vm1" {print $3; exit}' "$1/ctl-captures.txt")
  awk '$1 == "vm1" {printf "switch-compare: capture: %s frames, %s bytes written, %s not captured (ring full)\n", $4, $5, $6}' \
    "$1/ctl-captures.txt" >&2
  [ "$state" = running ] || { echo "switch-compare: capture: $state before the window ended ($1/ctl-captures.txt)" >&2; return 1; }
  echo "$cycles"
}
capture_features() { ours_features "$1"; }
capture_stop() { :; }

# ours with the configuration's forwarding written as OpenFlow flows (issue 18: "the same work
# expressed as OpenFlow flows"), l3 = none, installed with ovs-ofctl through the agent's listener
# before the front-end starts, in place of the default priority=0 NORMAL flow:
#   unicast/1518  dl_dst=MAC1 -> output:2 and back (what a learning controller installs)
#   l3            the two routing flows OVS gets above (ip, gateway MAC, other subnet -> MACs
#                 rewritten, dec_ttl, output) plus set_field vlan_vid into the other subnet's VLAN
#                 (the ports are on VLANs 10 and 20 as for the built-in router, a flow's frame
#                 leaves only by a port of its VLAN, and set_field vlan_vid needs a VLAN match),
#                 so the flows do the built-in router's work
# The flows use only fields of the exact-match cache's key (VLAN, eth_dst, EtherType, nw_dst), so the
# cache stays in front of them as it does for the built-in pipeline.
OFPORT=$((16653 + $$ % 1000))     # the agent's listener, loopback
flows_start() { # DIR CONFIG [JAVA_OPTS]
  local dir=$1 config=$2 of=tcp:127.0.0.1:$OFPORT
  be_pids=()
  ours_config "$dir" "$config" none "openflow = ptcp:$OFPORT"
  ours_launch "$dir" "$dir/p1.sock" "${3:-}" || return 1
  wait_for 100 "ctl openflow" ctl_offers "$dir" openflow \
    || { echo "switch-compare: the daemon never offered ctl openflow" >&2; return 1; }
  ovs-ofctl -O OpenFlow13 del-flows "$of" || return 1
  case $config in
    unicast|1518)
      ovs-ofctl -O OpenFlow13 add-flow "$of" "dl_dst=$MAC1,actions=output:2" || return 1
      ovs-ofctl -O OpenFlow13 add-flow "$of" "dl_dst=$MAC0,actions=output:1" || return 1 ;;
    l3)
      ovs-ofctl -O OpenFlow13 add-flow "$of" "ip,dl_vlan=10,dl_dst=$GW0,nw_dst=10.0.2.0/24,actions=mod_dl_src:$GW1,mod_dl_dst:$MAC1,dec_ttl,set_field:4116->vlan_vid,output:2" || return 1
      ovs-ofctl -O OpenFlow13 add-flow "$of" "ip,dl_vlan=20,dl_dst=$GW1,nw_dst=10.0.1.0/24,actions=mod_dl_src:$GW0,mod_dl_dst:$MAC0,dec_ttl,set_field:4106->vlan_vid,output:1" || return 1 ;;
  esac
  ovs-ofctl -O OpenFlow13 show "$of" > "$dir/of-show.txt" 2>&1 || true
  frontend_start "$dir" "$config" 0
}
flows_mark() { ours_mark "$1"; }
flows_steady() { ours_steady "$1"; }
# The cycles as ours_cycles; the flows' packet counts are kept in DIR/of-flows.txt.
flows_cycles() { # DIR
  ovs-ofctl -O OpenFlow13 dump-flows "tcp:127.0.0.1:$OFPORT" > "$1/of-flows.txt" 2>&1 || true
  ours_cycles "$1"
}
flows_features() { ours_features "$1"; }
flows_stop() { :; }

# ours built from another checkout (BASE_ROOT: e.g. "git worktree add /tmp/v4j-base main~3"; its
# own ./virtio4j builds it at the first start; BASE_ROOT=. is this one) with BASE_JAVA_OPTS (default
# OURS_JAVA_OPTS), the same configuration and placement: a before and after of a change to the
# daemon or its JVM's options in the same rounds, paired round by round.
base_start() {
  V4J_LAUNCHER="$BASE_ROOT/virtio4j" OURS_JAVA_OPTS="${BASE_JAVA_OPTS-${OURS_JAVA_OPTS:-}}" ours_start "$@"
}
base_mark() { ours_mark "$1"; }
base_steady() { ours_steady "$1"; }
base_cycles() { ours_cycles "$1"; }
base_features() { ours_features "$1"; }
base_stop() { :; }

# ---------------------------------------------------------------- one run
# Sets result="MPPS GBPS CYCLES" of BACKEND on CONFIG; returns 1 (processes stopped) if it failed.
# Runs in this shell, not in $(...), so pids[] always names what an interrupt must stop.
# The ring kind of the run (split or packed), set by the caller.
# The vxlan configuration's back-ends are BACKEND_tunnel_* (bench/switch-tunnel.sh); their cycles
# come as "N/s", busy cycles per second, and are divided here by the frames per second received.
result=
ring=split
run_one() { # BACKEND CONFIG DIR [JAVA_OPTS]
  local be=$1 config=$2 dir=$3 ok=1 cycles= n rates pps bps log
  result= sink=0
  [ "$config" = vxlan ] && be=${be}_tunnel
  mkdir -p "$dir"
  "${be}_start" "$dir" "$config" "${4:-}" || ok=0
  [ $ok = 1 ] && { wait_for 600 "the front-end's prompt" frontend_ready "$dir" || { tail -5 "$dir"/*.log >&2; ok=0; }; }
  if [ $ok = 1 ]; then
    log=$(rate_log "$dir")
    sleep 1
    frontend_say 'start tx_first 8'
    pause "$WARMUP"
    steady_after=0
    [ $sink = 1 ] || "${be}_steady" "$dir"
    n=$(count_lines "$log" 'Rx-pps:')
    "${be}_mark" "$dir"
    frontend_say 'show port stats all'
    pause "$DURATION"
    frontend_say 'show port stats all'
    cycles=$("${be}_cycles" "$dir") || { cycles=0; [ "$be" = capture ] && ok=0; }
    wait_for 150 "port stats" test "$(count_lines "$log" 'Rx-pps:')" -ge $((n + 2 * $(rate_ports))) || ok=0
    rates=$(frontend_rates "$log")
    [ $sink = 0 ] || tunnel_offered "$dir"
    frontend_say quit 2>/dev/null || true
    wait_for 100 "the front-end's exit" grep -q 'Accumulated forward statistics' "$dir/fe.log" || true
    # Open loop (the sink): a full TX ring is back-pressure there, not a lost frame.
    [ $sink = 1 ] || frontend_drops "$dir/fe.log" "$be $config"
    rings_negotiated "$be" "$dir" || ok=0
  fi
  # In braces: "exec 8>&- 2>/dev/null" would send the rest of the script's stderr (warnings) to /dev/null.
  { exec 8>&- 9>&-; } 2>/dev/null || true
  "${be}_stop" "$dir" || true
  stop_run "${fe_pids[@]}" "${be_pids[@]}"
  fe_pids=()
  [ $ok = 1 ] || return 1
  read -r pps bps <<< "$rates"
  case $cycles in */s) cycles=$(awk -v c="${cycles%/s}" -v p="$pps" 'BEGIN {print (p > 0) ? c / p : 0}') ;; esac
  result=$(awk -v p="$pps" -v b="$bps" -v c="${cycles:-0}" 'BEGIN {printf "%.3f %.2f %.0f\n", p / 1e6, b / 1e9, c}')
}

# ---------------------------------------------------------------- rounds
declare -A ANCHOR=(
  [flood/dpdk]="5.9-8.0 Mpps, 250-330 cyc" [flood/ovs]="4.5-7.0 Mpps, 290-430 cyc"
  [unicast/dpdk]="7.5-9.3 Mpps, 210-240 cyc" [unicast/ovs]="6.0-8.3 Mpps, 240-350 cyc"
  [l3/dpdk]="8.3-9.0 Mpps, 208-226 cyc" [l3/ovs]="5.5-7.4 Mpps, 240-330 cyc"
  [1518/dpdk]="5.7 Mpps, 70 Gbit/s (fast phase)" [1518/ovs]="5.05 Mpps, 61 Gbit/s (fast phase)"
  [flood/dpdk/packed]="23 Mpps, 108 cyc (fast phase, faster host)" [flood/ovs/packed]="13 Mpps, 191 cyc (fast phase, faster host)"
)
read -r -a backends <<< "$BACKENDS"
# Whether BACKEND has CONFIG: testpmd's back-end and the capture run have no tunnel; flows has no
# flood or tunnel configuration.
applies() { case $1/$2 in vxlan/dpdk|vxlan/capture|vxlan/flows|vxlan/base|flood/flows) return 1 ;; esac; } # CONFIG BACKEND
busy_warning
results=$work/results.tsv
: > "$results"
echo "switch-compare: $ROUNDS rounds x configs [$CONFIGS] x rings [$RINGS] x back-ends [$BACKENDS], ${WARMUP}s warm-up + ${DURATION}s each;" \
  "ours placed: $PLACEMENT; clock ${MHZ} MHz; load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
  for config in $CONFIGS; do
    for ring in $RINGS; do
      for i in $(seq 0 $((${#backends[@]} - 1))); do
        be=${backends[$(( (i + round - 1) % ${#backends[@]} ))]}
        applies "$config" "$be" || continue
        name=r$round-$config-$ring-$be
        if run_one "$be" "$config" "$work/$name"; then
          read -r mpps gbps cyc <<< "$result"
        else
          echo "switch-compare: round $round $config $ring $be FAILED (logs: $name, kept with --keep)" >&2
          mpps=0 gbps=0 cyc=0
        fi
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$config" "$ring" "$be" "$round" "$mpps" "$gbps" "$cyc" >> "$results"
        printf 'round %d  %-8s %-6s %-7s %8.3f Mpps %7.2f Gbit/s %6s busy cycles/frame  (steady after %ss more)\n' \
          "$round" "$config" "$ring" "$be" "$mpps" "$gbps" "$cyc" "$steady_after"
      done
    done
  done
done
ring=split

# ---------------------------------------------------------------- summary
stat() { # CONFIG RINGS BACKEND COLUMN(5 mpps, 6 gbps, 7 cycles) -> "median best" (best = max, or min for cycles)
  awk -F'\t' -v c="$1" -v r="$2" -v b="$3" -v k="$4" '$1 == c && $2 == r && $3 == b && $5 > 0 {print $k}' "$results" |
    median_best "$([ "$4" = 7 ] && echo MIN || echo MAX)"
}
# The median over rounds of A/B within each round (the two ran back to back, seconds apart), and
# the rounds it had: a slow phase of the host that lasts minutes then moves both alike, where the
# ratio of the two medians can pair A's slow rounds with B's fast ones.
paired() { # CONFIG RINGS A B -> "MEDIAN (N rounds)"
  awk -F'\t' -v c="$1" -v r="$2" -v a="$3" -v b="$4" '$1 == c && $2 == r && $5 > 0 {
      if ($3 == a) x[$4] = $5; else if ($3 == b) y[$4] = $5 }
    END { for (k in x) if (k in y) print x[k] / y[k] }' "$results" |
    sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit }
      m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f (%d rounds)\n", m, NR }'
}
echo
echo "Per configuration: median / best over $ROUNDS rounds (best cycles = fewest); rate = frames the front-end received over both ports"
echo "(vxlan: frames the sink received through both switches; cycles = both switches' busy cycles per such frame)."
printf '| %-8s | %-6s | %-7s | %-15s | %-15s | %-17s | %s |\n' configuration rings back-end "Mpps med/best" "Gbit/s med/best" \
  "cyc/frame med/best" "anchor (issues 20, 14)"
printf '|---|---|---|---|---|---|---|\n'
for config in $CONFIGS; do
  for rings in $RINGS; do
    declare -A med=() best=()
    for be in $BACKENDS; do
      applies "$config" "$be" || continue
      read -r m b <<< "$(stat "$config" "$rings" "$be" 5)"; med[$be]=$m; best[$be]=$b
      read -r gm gb <<< "$(stat "$config" "$rings" "$be" 6)"
      read -r cm cb <<< "$(stat "$config" "$rings" "$be" 7)"
      anchor=${ANCHOR[$config/$be]:-}; [ "$rings" = packed ] && anchor=${ANCHOR[$config/$be/packed]:-}
      printf '| %-8s | %-6s | %-7s | %-15s | %-15s | %-17s | %s |\n' "$config" "$rings" "$be" "$m / $b" "$gm / $gb" "$cm / $cb" "$anchor"
    done
    line="| $config | $rings | ratios |"
    for other in dpdk ovs; do
      [ -n "${med[ours]:-}" ] && [ -n "${med[$other]:-}" ] || continue
      line+=" ours/$other: median $(ratio "${med[ours]}" "${med[$other]}"), best $(ratio "${best[ours]}" "${best[$other]}") |"
    done
    if [ -n "${med[ours]:-}" ] && [ -n "${med[capture]:-}" ]; then
      read -r cm_ours _ <<< "$(stat "$config" "$rings" ours 7)"
      read -r cm_capture _ <<< "$(stat "$config" "$rings" capture 7)"
      line+=" capture/ours: median Mpps $(ratio "${med[capture]}" "${med[ours]}"), median cyc/frame $(ratio "$cm_capture" "$cm_ours") |"
    fi
    if [ -n "${med[ours]:-}" ] && [ -n "${med[flows]:-}" ]; then
      read -r cm_ours _ <<< "$(stat "$config" "$rings" ours 7)"
      read -r cm_flows _ <<< "$(stat "$config" "$rings" flows 7)"
      line+=" flows/ours: median Mpps $(ratio "${med[flows]}" "${med[ours]}"), best Mpps $(ratio "${best[flows]}" "${best[ours]}"), median cyc/frame $(ratio "$cm_flows" "$cm_ours"),"
      line+=" paired $(paired "$config" "$rings" flows ours) |"
    fi
    if [ -n "${med[ours]:-}" ] && [ -n "${med[base]:-}" ]; then
      read -r cm_ours _ <<< "$(stat "$config" "$rings" ours 7)"
      read -r cm_base _ <<< "$(stat "$config" "$rings" base 7)"
      line+=" ours/base: median Mpps $(ratio "${med[ours]}" "${med[base]}"), best Mpps $(ratio "${best[ours]}" "${best[base]}"), median cyc/frame $(ratio "$cm_ours" "$cm_base"),"
      line+=" paired $(paired "$config" "$rings" ours base) |"
    fi
    echo "$line"
    unset med best
  done
  # What packed rings change for each back-end (issue 14: fewer cycles per frame than our split path).
  if [ "$RINGS" = "split packed" ]; then
    line="| $config | packed/split |"
    for be in $BACKENDS; do
      read -r sm _ <<< "$(stat "$config" split "$be" 5)"; read -r pm _ <<< "$(stat "$config" packed "$be" 5)"
      read -r sc _ <<< "$(stat "$config" split "$be" 7)"; read -r pc _ <<< "$(stat "$config" packed "$be" 7)"
      line+=" $be: median Mpps $(ratio "$pm" "$sm"), median cyc/frame $(ratio "$pc" "$sc") |"
    done
    echo "$line"
  fi
done

busy_warning
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- profile
# Prints the top frames, self and inclusive, of collapsed stacks ("root;...;leaf COUNT" per line).
top_frames() { # COLLAPSED-FILE
  awk '{
      count = $NF; sub(/ [0-9]+$/, ""); k = split($0, f, ";"); n += count
      self[f[k]] += count
      for (i = 1; i <= k; i++) if (seen[f[i]] != NR) {seen[f[i]] = NR; total[f[i]] += count}
    }
    END {
      printf "%d samples on the PMD thread\n", n
      if (n == 0) exit
      for (x in self) printf "self  %5.1f%%  %s\n", 100 * self[x] / n, x | "sort -k2 -rn | head -15"
      close("sort -k2 -rn | head -15")
      for (x in total) printf "total %5.1f%%  %s\n", 100 * total[x] / n, x | "sort -k2 -rn | head -15"
    }' "$1"
}
# JFR's execution samples of the PMD thread as collapsed stacks.
jfr_collapsed() { # JFR-FILE
  "$JAVA_HOME/bin/jfr" print --stack-depth 64 --events jdk.ExecutionSample "$1" | awk '
    /sampledThread = / {pmd = ($0 ~ /"(virtio4j-)?pmd-[0-9]+"/)}
    /stackTrace = \[/ {k = 0; inside = pmd; next}
    inside && /^[ \t]+\]/ {line = ""; for (i = k; i >= 1; i--) line = line (i < k ? ";" : "") f[i]; if (k) print line " 1"; inside = 0; next}
    inside && /\(/ {sub(/^[ \t]+/, ""); sub(/[ \t]+line:.*/, ""); f[++k] = $0}'
}
if [ "$PROFILE" = 1 ]; then
  if [ "$PROFILER" = async ]; then
    # async-profiler from Maven Central (its jar carries the native agent): samples native code
    # too (system calls, the JVM's own code), which JFR's execution samples leave out.
    ./mvnw -B -q dependency:copy -Dartifact=tools.profiler:async-profiler:4.2 -DoutputDirectory="$work/ap" > "$work/ap.log" 2>&1 \
      || die "could not fetch tools.profiler:async-profiler:4.2 from Maven Central ($(tail -1 "$work/ap.log"))"
    (cd "$work/ap" && "$JAVA_HOME/bin/jar" xf async-profiler-4.2.jar linux-x64/libasyncProfiler.so)
  fi
  ring=${RINGS%% *}
  for config in $CONFIGS; do
    # Two daemons would write one recording file: profile a tunnel switch by hand (docs/switch-datapath.md).
    [ "$config" != vxlan ] || { echo "switch-compare: --profile skips vxlan (two daemons)" >&2; continue; }
    dir=$work/profile-$config
    if [ "$PROFILER" = async ]; then
      opts="-agentpath:$work/ap/linux-x64/libasyncProfiler.so=start,event=$AP_EVENT,interval=1ms,threads,collapsed${AP_OPTS:+,$AP_OPTS},file=$dir/ours.collapsed"
    else
      opts="-XX:StartFlightRecording:filename=$dir/ours.jfr,settings=profile,dumponexit=true,jdk.ExecutionSample#period=1ms"
    fi
    run_one "$PROFILED" "$config" "$dir" "$opts" || { echo "profile run $config FAILED" >&2; continue; }
    echo
    echo "Profile of $PROFILED, $config, $ring rings ($result: Mpps Gbit/s cycles, with $PROFILER on): PMD thread (pmd-0)"
    if [ "$PROFILER" = async ]; then
      awk '$0 ~ /^\[(virtio4j-)?pmd-[0-9]+[ \]]/ {sub(/^[^;]*;/, ""); print}' "$dir/ours.collapsed" > "$dir/pmd.collapsed"
    else
      jfr_collapsed "$dir/ours.jfr" > "$dir/pmd.collapsed"
      "$JAVA_HOME/bin/jfr" print --events jdk.ObjectAllocationSample "$dir/ours.jfr" |
        awk '/eventThread = / {pmd = ($0 ~ /"(virtio4j-)?pmd-[0-9]+"/)} pmd && /objectClass = / {n++; sub(/^[ \t]+objectClass = /, ""); c[$0]++}
          END {printf "allocation samples on the PMD thread: %d\n", n; for (k in c) printf "  %d  %s\n", c[k], k}'
    fi
    top_frames "$dir/pmd.collapsed"
    echo "GC pauses in the daemon's JVM: $(grep -c Pause "$dir/gc.log" || true)"
  done
fi
