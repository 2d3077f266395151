# shellcheck shell=bash
# The "vxlan" configuration of bench/switch-compare.sh (issue 17, "Speed"), sourced by it: two hosts
# joined by VXLAN, our switches against two Open vSwitch instances, same run. Uses
# bench/lib/common.sh's helpers (wait_for, ovs_daemons, ovs, ovs_appctl, ovs_tables, pids, be_pids,
# namespaces, prefix) and the caller's (ours_*, ovs_mark, ovs_stop, frontend_launch, MAC0/MAC1,
# PLACEMENT).
#
#   front-end (CPU 0)             host A: netns ${prefix}a              host B: netns ${prefix}b
#   generator testpmd  --p0.sock-- [switch A: vm1 (vlan 10)  vx]         [vx  vm2 (vlan 10)] --p1.sock-- sink testpmd
#   txonly, 1518 B, MAC0->MAC1     [  VNI 5010, 192.0.2.1     ]--ua====ub--[ 192.0.2.2      ]  rxonly
#                                         veth underlay, MTU 2000, UDP 4789, tx checksum offload off
#   switches A and B (both daemons, or both ovs-vswitchd-dpdk) share CPU 1, with the kernel's UDP/veth work
#
# ours: two daemons (./virtio4j switch), each a vhost-user-server port and a vxlan port (local =
#   its veth's address, remote = the other's, vni = 10:5010, underlay-mtu = 2000).
# ovs:  two private ovsdb-server + ovs-vswitchd-dpdk, datapath_type=netdev: br0 has the
#   dpdkvhostuserclient port and a vxlan port (remote_ip, local_ip, key=5010); br-phy owns the
#   veth and the host's underlay address on its internal port, since OVS's userspace tunnelling
#   routes and resolves next hops only through addresses on its own bridges (OVS's "Userspace
#   tunneling" pattern, with the veth in the place of the DPDK NIC). Each next hop is also set with
#   tnl/neigh/set, so no frame waits for ARP. Flows: NORMAL (learning) on both bridges.
#   OVS_UNDERLAY picks how OVS reads the veth: "afxdp" (default) an AF_XDP port (type=afxdp,
#   options:xdp-mode=generic, polled by the PMD like a NIC, OVS at its best; DPDK 22.11's
#   net_af_packet was tried and refuses an MTU above 1500); "system" a plain system port, read by
#   OVS's main thread (not a PMD: woken by poll(), it fell behind and its socket dropped most
#   frames when tried).
#
# The generator sends open loop (txonly: a lost datagram is not a lost "loop" frame); its TX ring
# full is back-pressure, not a loss. The sink starts with one burst of its own (start tx_first) so
# both switches learn MAC1 behind B: the generator's frames are learned unicast, not floods.
# The rate is what the sink received; "offered" is what the generator got into switch A. The
# cycles are the busy cycles of both switches (each daemon's PMD busy time; each OVS's processing
# cycles of every thread, main thread included) per frame the sink received: the cost of one
# frame's trip through encapsulation, the kernel underlay and decapsulation.

OVS_UNDERLAY=${OVS_UNDERLAY:-afxdp}
case $OVS_UNDERLAY in afxdp|system) ;; *) echo "switch-compare: OVS_UNDERLAY is afxdp or system" >&2; exit 2 ;; esac
TUN_IP_A=192.0.2.1 TUN_IP_B=192.0.2.2 TUN_VNI=5010 TUN_MTU=2000   # 1518 + 50 fits; a 4096-byte af_packet frame holds it
TUN_PHY_A=02:fe:00:00:01:0a TUN_PHY_B=02:fe:00:00:01:0b   # br-phy MACs (OVS)

# The two namespaces and the veth pair between them (ua in A, ub in B), MTU 2000, links up. The
# namespaces go in namespaces[]: stop_run and the clean-up on exit delete them (and the veth).
# The kernel leaves a veth's UDP checksums to an offload nobody does: OVS's userspace reads them
# by AF_PACKET and drops them unchecked-but-wrong, so the offload is off on both ends, for both
# back-ends alike (docs/switch-config.md, "Tested peers").
underlay_start() {
  local s ns
  for s in a b; do
    ns=${prefix}$s
    ip netns add "$ns" || return 1
    namespaces+=("$ns")
    ip -n "$ns" link set lo up
  done
  ip link add ua netns "${prefix}a" mtu "$TUN_MTU" type veth peer name ub netns "${prefix}b" mtu "$TUN_MTU" || return 1
  for s in a b; do
    ip -n "${prefix}$s" link set "u$s" up
    ip netns exec "${prefix}$s" ethtool -K "u$s" tx off > /dev/null || return 1
  done
}
tunnel_ip() { [ "$1" = a ] && echo "$TUN_IP_A" || echo "$TUN_IP_B"; }   # SIDE
tunnel_peer() { [ "$1" = a ] && echo "$TUN_IP_B" || echo "$TUN_IP_A"; } # SIDE

# Seconds since the window's mark (DIR/t0).
window_seconds() { awk -v t0="$(cat "$1/t0")" -v t1="$(date +%s.%N)" 'BEGIN {printf "%.3f", t1 - t0}'; }

# ---------------------------------------------------------------- ours
ours_tunnel_start() { # DIR CONFIG [JAVA_OPTS]
  local dir=$1 s n=0
  be_pids=()
  underlay_start || return 1
  for s in a b; do
    mkdir -p "$dir/$s"
    ip -n "${prefix}$s" addr add "$(tunnel_ip $s)/30" dev "u$s"
    {
      ours_header none
      printf '\n[port vm%d]\ntype = vhost-user-server\npath = %s\nvlan = 10\n' $((n + 1)) "$dir/p$n.sock"
      printf '\n[port vx]\ntype = vxlan\nlocal = %s\nvni = 10:%s\nremote = %s\nunderlay-mtu = %s\n' \
        "$(tunnel_ip $s)" "$TUN_VNI" "$(tunnel_peer $s)" "$TUN_MTU"
    } > "$dir/$s/switch.conf"
    ours_launch "$dir/$s" "$dir/p$n.sock" "${3:-}" ip netns exec "${prefix}$s" || return 1
    n=$((n + 1))
  done
  frontend_start "$dir" vxlan 0
}
ours_tunnel_mark() { ours_mark "$1/a"; ours_mark "$1/b"; date +%s.%N > "$1/t0"; }
# Busy cycles per second of both daemons, "N/s" (run_one divides by the frames the sink received).
# Both counters and the clock first, the tables after, so both windows end together.
ours_tunnel_cycles() { # DIR
  local a b seconds
  read -r a _ <<< "$(ours_busy "$1/a")"
  read -r b _ <<< "$(ours_busy "$1/b")"
  seconds=$(window_seconds "$1")
  ours_tables "$1/a"; ours_tables "$1/b"
  awk -v ms="$((a + b))" -v s="$seconds" -v mhz="$MHZ" 'BEGIN {printf "%.0f/s\n", ms * 1e3 * mhz / s}'
}
ours_tunnel_features() { ours_features "$1/a" | sed 's/^/a-/'; ours_features "$1/b" | sed 's/^/b-/'; }
ours_tunnel_stop() { :; }

# ---------------------------------------------------------------- ovs
ovs_tunnel_start() { # DIR CONFIG
  local dir=$1 s n=0 mac
  be_pids=()
  underlay_start || return 1
  for s in a b; do
    ovsdir=$dir/ovs-$s
    [ $s = a ] && mac=$TUN_PHY_A || mac=$TUN_PHY_B
    ovs_daemons "$ovsdir" "$prefix-ovs$s" -- ip netns exec "${prefix}$s" || return 1
    local phy=(-- add-port br-phy "u$s")
    [ "$OVS_UNDERLAY" = system ] || phy+=(-- set Interface "u$s" type=afxdp options:xdp-mode=generic mtu_request="$TUN_MTU")
    ovs --timeout=60 add-br br-phy -- set bridge br-phy datapath_type=netdev other-config:hwaddr="$mac" \
      -- set Interface br-phy mtu_request="$TUN_MTU" "${phy[@]}" \
      -- add-br br0 -- set bridge br0 datapath_type=netdev \
      -- add-port br0 "p$n" -- set Interface "p$n" type=dpdkvhostuserclient options:vhost-server-path="$dir/p$n.sock" ofport_request=1 \
      -- add-port br0 vx -- set Interface vx type=vxlan options:remote_ip="$(tunnel_peer $s)" \
         options:local_ip="$(tunnel_ip $s)" options:key="$TUN_VNI" ofport_request=2 || return 1
    # ovs-vsctl only warns when a port fails to come up (an MTU the driver refuses, no AF_XDP): check each.
    ovs_ports_up "u$s" "p$n" vx || return 1
    ip -n "${prefix}$s" addr add "$(tunnel_ip $s)/30" dev br-phy || return 1
    ip -n "${prefix}$s" link set br-phy up
    n=$((n + 1))
  done
  # The next hops, as OVS would learn them by ARP through br-phy.
  ovsdir=$dir/ovs-a; ovs_appctl tnl/neigh/set br-phy "$TUN_IP_B" "$TUN_PHY_B" > /dev/null || return 1
  ovsdir=$dir/ovs-b; ovs_appctl tnl/neigh/set br-phy "$TUN_IP_A" "$TUN_PHY_A" > /dev/null || return 1
  frontend_start "$dir" vxlan 1
}
ovs_ports_up() { # NAME...: each has an OpenFlow port number and no error
  local name
  for name in "$@"; do
    [ "$(ovs --bare get Interface "$name" ofport)" -gt 0 ] 2>/dev/null \
      || { echo "switch-compare: ovs port $name: $(ovs --bare get Interface "$name" error)" >&2; return 1; }
  done
}
ovs_tunnel_mark() {
  local s
  for s in a b; do ovsdir=$1/ovs-$s; ovs_mark "$1"; done
  date +%s.%N > "$1/t0"
}
# Processing cycles per second of every thread of both instances, "N/s".
ovs_tunnel_cycles() { # DIR
  local s seconds
  for s in a b; do ovsdir=$1/ovs-$s; ovs_appctl dpif-netdev/pmd-stats-show > "$1/pmd-stats-$s.txt"; done
  seconds=$(window_seconds "$1")
  for s in a b; do
    ovsdir=$1/ovs-$s
    ovs_appctl tnl/neigh/show > "$1/tnl-neigh-$s.txt" 2>&1 || true
    ovs_appctl dpctl/dump-flows > "$1/dp-flows-$s.txt" 2>&1 || true
    ovs_tables "$1" "-$s"
  done
  sed -n 's/.*processing cycles: *\([0-9]*\).*/\1/p' "$1"/pmd-stats-[ab].txt |
    awk -v s="$seconds" '{c += $1} END {printf "%.0f/s\n", c / s}'
}
ovs_tunnel_features() { vhost_lib_features "$1/ovs-a/ovs-vswitchd.log"; vhost_lib_features "$1/ovs-b/ovs-vswitchd.log"; }
ovs_tunnel_stop() {
  local s
  for s in a b; do ovsdir=$1/ovs-$s; ovs_stop "$1"; done
}

# ---------------------------------------------------------------- the front-end
# The generator (txonly, p0.sock, commands on fd 8, fe.log) and the sink (rxonly, p1.sock, fd 9,
# sink.log), each one forwarding lcore on CPU 0 (they share it; the back-ends are the bottleneck
# by far), 1518-byte frames.
tunnel_frontend_start() { # DIR SERVER(0|1)
  local dir=$1 srv= name n=0 mode peer mac
  [ "$2" = 1 ] && srv=,server=1
  [ "$ring" = packed ] && srv+=,packed_vq=1
  for name in fe sink; do
    if [ $name = fe ]; then mode=txonly peer=$MAC1 mac=$MAC0; else mode=rxonly peer=$MAC0 mac=$MAC1; fi
    frontend_launch "$dir" $name dpdk-testpmd -l 0,1 --main-lcore 1 --file-prefix "$prefix-$name" --single-file-segments \
      -m 256 --no-pci --vdev "net_virtio_user0,path=$dir/p$n.sock,queues=1,queue_size=1024,mac=$mac$srv" -- \
      -i --nb-cores=1 --rxq=1 --txq=1 --rxd=1024 --txd=1024 --total-num-mbufs=8192 --txpkts=1518 \
      --forward-mode=$mode "--eth-peer=0,$peer"
    if [ $name = fe ]; then exec 8> "$dir/fe.in"; else exec 9> "$dir/sink.in"; fi
    n=$((n + 1))
  done
  sink=1
}
# What the generator got into switch A over the window, beside what the sink received.
tunnel_offered() { # DIR
  local offered delivered
  offered=$(grep 'Tx-pps:' "$1/fe.log" | tail -1 | awk '{print $2}')
  delivered=$(grep 'Rx-pps:' "$1/sink.log" | tail -1 | awk '{print $2}')
  echo "switch-compare: vxlan: offered ${offered:-?} pps into switch A, ${delivered:-?} pps out of switch B" >&2
}
