package io.virtio4j.ovs.flow;

import java.util.Locale;

import io.virtio4j.ovs.l2.Fdb;
import io.virtio4j.ovs.l3.NeighbourTable;
import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.PortVlan;
import io.virtio4j.ovs.packet.Ethernet;
import io.virtio4j.ovs.pipeline.DropReason;
import io.virtio4j.spi.net.MacAddress;

/** The actions flows can carry. Each is a one-line record: what it does is its {@code apply}. */
public final class Actions {
    private Actions() {
    }

    /** {@code output:port}: send to one port. */
    public record Output(int port) implements Action {
        @Override
        public void apply(Translation t) {
            t.unicast(port);
        }

        @Override
        public String toString() {
            return "output:" + port;
        }
    }

    /**
     * OpenFlow's {@code output:port}: as {@link Output}, but not to the port the frame came in on,
     * as OpenFlow requires (only {@link OutputInPort} sends it back): a flow with no other output
     * then drops it (SAME_PORT).
     */
    public record OpenFlowOutput(int port) implements Action {
        @Override
        public void apply(Translation t) {
            if (port == t.inPort()) {
                t.skipSamePort();
            } else {
                t.unicast(port);
            }
        }

        @Override
        public String toString() {
            return "output:" + port;
        }
    }

    /** OpenFlow's {@code output:IN_PORT}: back out of the port the frame came in on. */
    public record OutputInPort() implements Action {
        @Override
        public void apply(Translation t) {
            t.unicast(t.inPort());
        }

        @Override
        public String toString() {
            return "IN_PORT";
        }
    }

    /**
     * OpenFlow's {@code FLOOD} and {@code ALL}: every port of the frame's VLAN but the ingress port.
     * A port that does not carry the VLAN could not take the frame anyway, and no port is blocked
     * (no spanning tree), so the two are the same here; {@code name} is how the flow said it.
     */
    public record Flood(String name) implements Action {
        @Override
        public void apply(Translation t) {
            t.flood(t.inPort());
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** OpenFlow's {@code dec_nw_ttl}: as {@link DecTtl}, without making the frame "routed". */
    public record DecNwTtl() implements Action {
        @Override
        public void apply(Translation t) {
            t.decrementTtlOnly();
        }

        @Override
        public String toString() {
            return "dec_ttl";
        }
    }

    /**
     * {@code NORMAL}: the learning switch within the frame's current VLAN. A known unicast
     * destination goes to its port (unless that is the ingress port of an unrouted frame:
     * SAME_PORT); unknown unicast, multicast and broadcast flood the VLAN, without the ingress
     * port unless the frame was routed. Learning the source is done for every frame by the
     * pipeline, not here, so cached flows learn too.
     */
    public record Normal(Fdb fdb) implements Action {
        @Override
        public void apply(Translation t) {
            long dst = t.ethDst();
            if (!Ethernet.isMulticast(dst)) {
                int port = fdb.lookup(t.vlan(), dst, t.nowNanos());
                if (port != Fdb.UNKNOWN) {
                    if (port == t.inPort() && !t.routed()) {
                        t.drop(DropReason.SAME_PORT);
                    } else {
                        t.unicast(port);
                    }
                    return;
                }
            }
            t.flood(t.routed() ? -1 : t.inPort());
        }

        @Override
        public String toString() {
            return "NORMAL";
        }
    }

    /** {@code set_field:mac->eth_src}. */
    public record SetEthSrc(long mac) implements Action {
        @Override
        public void apply(Translation t) {
            t.setEthSrc(mac);
        }

        @Override
        public String toString() {
            return "set_field:" + MacAddress.format(mac) + "->eth_src";
        }
    }

    /** {@code set_field:mac->eth_dst}. */
    public record SetEthDst(long mac) implements Action {
        @Override
        public void apply(Translation t) {
            t.setEthDst(mac);
        }

        @Override
        public String toString() {
            return "set_field:" + MacAddress.format(mac) + "->eth_dst";
        }
    }

    /**
     * {@code set_field:ip->ipv4_src} ({@code source}) or {@code ->ipv4_dst}: the executor writes
     * the address and updates the IPv4 header checksum and a TCP or UDP checksum (their
     * pseudo-header holds the address) incrementally; later tables match the new address.
     */
    public record SetIpv4(boolean source, int address) implements Action {
        @Override
        public void apply(Translation t) {
            t.setIpv4(source, address);
        }

        @Override
        public String toString() {
            return "set_field:" + Ipv4.format(address) + (source ? "->ip_src" : "->ip_dst");
        }
    }

    /** {@code mod_vlan_vid:vid}: the frame's VLAN from here on (the executor tags or untags per egress port). */
    public record SetVlan(int vlan) implements Action {
        /** Checks the VLAN id. */
        public SetVlan {
            PortVlan.checkVlan(vlan);
        }

        @Override
        public void apply(Translation t) {
            t.setVlan(vlan);
        }

        @Override
        public String toString() {
            return "mod_vlan_vid:" + vlan;
        }
    }

    /**
     * OpenFlow's {@code push_vlan:0x8100} ({@link #PUSH}) and {@code pop_vlan} ({@link #POP}): the
     * outputs after it leave with an 802.1Q tag (of the frame's VLAN, {@code set_field vlan_vid}
     * may change it), or without one, whatever their port's mode. The frame stays in its VLAN: a
     * port that does not carry it still does not get it.
     */
    public record VlanTag(boolean push) implements Action {
        /** push_vlan:0x8100. */
        public static final VlanTag PUSH = new VlanTag(true);
        /** pop_vlan. */
        public static final VlanTag POP = new VlanTag(false);

        @Override
        public void apply(Translation t) {
            t.tag(push ? io.virtio4j.ovs.pipeline.Verdict.TAG_PUSHED : io.virtio4j.ovs.pipeline.Verdict.TAG_POPPED);
        }

        @Override
        public String toString() {
            return push ? "push_vlan:0x8100" : "pop_vlan";
        }
    }

    /** {@code set_field:pcp->vlan_pcp}: the priority of the tag the frame leaves with (and later tables match). */
    public record SetVlanPcp(int pcp) implements Action {
        /** Checks the priority. */
        public SetVlanPcp {
            if (pcp < 0 || pcp > 7) {
                throw new IllegalArgumentException("VLAN priority " + pcp + " is not 0..7");
            }
        }

        @Override
        public void apply(Translation t) {
            t.setVlanPcp(pcp);
        }

        @Override
        public String toString() {
            return "set_field:" + pcp + "->vlan_pcp";
        }
    }

    /** OpenFlow's write-metadata instruction: the register's {@code mask} bits become {@code value}'s. */
    public record WriteMetadata(long value, long mask) implements Action {
        @Override
        public void apply(Translation t) {
            t.writeMetadata(value, mask);
        }

        @Override
        public String toString() {
            return "write_metadata:0x" + Long.toHexString(value) + "/0x" + Long.toHexString(mask);
        }
    }

    /**
     * OpenFlow's {@code output:CONTROLLER}: the frame's first {@code maxLength} bytes (0xffff: all)
     * go to the controllers as a PACKET_IN with {@code reason} ({@link #NO_MATCH} from a table-miss
     * flow, else {@link #ACTION}), the flow's OpenFlow {@code table} and {@code cookie}. The
     * executor queues it ({@code datapath.PacketInQueue}); the frame goes nowhere else.
     */
    public record ToController(int maxLength, int reason, int table, long cookie) implements Action {
        /** OFPR_NO_MATCH. */
        public static final int NO_MATCH = 0;
        /** OFPR_ACTION. */
        public static final int ACTION = 1;

        @Override
        public void apply(Translation t) {
            t.toController(this);
        }

        @Override
        public String toString() {
            return "CONTROLLER:" + maxLength;
        }
    }

    /** {@code dec_ttl}: the executor decrements with an RFC 1624 checksum update; a TTL of 1 or less drops (TTL_EXPIRED). */
    public record DecTtl() implements Action {
        @Override
        public void apply(Translation t) {
            t.decrementTtl();
        }

        @Override
        public String toString() {
            return "dec_ttl";
        }
    }

    /** {@code goto_table:n}; the program checks that it only goes forward, so translation ends. */
    public record GotoTable(int table) implements Action {
        @Override
        public void apply(Translation t) {
            t.gotoTable(table);
        }

        @Override
        public String toString() {
            return "goto_table:" + table;
        }
    }

    /** {@code drop}, counted under {@code reason}. */
    public record Drop(DropReason reason) implements Action {
        @Override
        public void apply(Translation t) {
            t.drop(reason);
        }

        @Override
        public String toString() {
            return "drop(" + reason.name().toLowerCase(Locale.ROOT) + ")";
        }
    }

    /** {@code gateway}: the switch answers (ARP reply, echo reply) as the gateway of the ingress VLAN's subnet. */
    public record Gateway() implements Action {
        @Override
        public void apply(Translation t) {
            t.gateway();
        }

        @Override
        public String toString() {
            return "gateway";
        }
    }

    /** {@code load:ip->next_hop}: the next hop of a static route, or (0) the destination itself for a connected one. */
    public record SetNextHop(int ip) implements Action {
        @Override
        public void apply(Translation t) {
            t.setNextHop(ip);
        }

        @Override
        public String toString() {
            return ip == 0 ? "move:nw_dst->next_hop" : "load:" + Ipv4.format(ip) + "->next_hop";
        }
    }

    /**
     * {@code resolve_neighbour}: sets the Ethernet destination to the next hop's MAC on the current
     * VLAN from the neighbour table, or drops (NO_NEIGHBOUR).
     */
    public record ResolveNeighbour(NeighbourTable neighbours) implements Action {
        @Override
        public void apply(Translation t) {
            long mac = neighbours.lookup(t.vlan(), t.nextHop(), t.nowNanos());
            if (mac == NeighbourTable.UNKNOWN) {
                t.drop(DropReason.NO_NEIGHBOUR);
            } else {
                t.setEthDst(mac);
            }
        }

        @Override
        public String toString() {
            return "resolve_neighbour(next_hop)->eth_dst";
        }
    }
}
