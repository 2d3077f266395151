package io.virtio4j.ovs.flow;

import io.virtio4j.ovs.packet.ParsedFrame;
import io.virtio4j.ovs.pipeline.DropReason;
import io.virtio4j.ovs.pipeline.Verdict;

/**
 * One frame on its way through the flow tables (OVS's xlate context): the fields actions may
 * change (VLAN, Ethernet destination), the next-hop register routing fills, where to go next, and
 * the {@link Resolution} being built. Reused per thread.
 */
public final class Translation {
    private ParsedFrame frame;
    private int inPort;
    private long nowNanos;
    private Resolution result;
    private int vlan;
    private long ethDst;
    private long ethSrc;
    private int nextHop;
    private boolean routed;
    private int nextTable;
    private boolean stopped;
    private int vlanPcp;
    private long metadata;
    private int tunnelId;
    /** The tag outputs from here on leave with (Verdict.TAG_*): push_vlan and pop_vlan change it. */
    private int tag;
    /** Whether an OpenFlow output named the ingress port (skipped): with no other output, a SAME_PORT drop. */
    private boolean samePortSkipped;
    /** The IPv4 source and destination set by set_field, or -1: the frame's own. */
    private long ipv4Src;
    private long ipv4Dst;


    /** A translation with no frame yet; {@link #start} begins one. */
    public Translation() {
        // Reused per thread.
    }

    /** Starts translating {@code frame}, which came in on {@code inPort}, into {@code result} (cleared). */
    public void start(ParsedFrame frame, int inPort, long nowNanos, Resolution result) {
        this.frame = frame;
        this.inPort = inPort;
        this.nowNanos = nowNanos;
        this.result = result;
        result.clear();
        vlan = frame.vlan();
        ethDst = frame.ethDestination();
        ethSrc = frame.ethSource();
        nextHop = 0;
        routed = false;
        nextTable = -1;
        stopped = false;
        vlanPcp = frame.vlanPcp();
        metadata = 0;
        tunnelId = Match.ANY;
        tag = Verdict.TAG_BY_PORT;
        samePortSkipped = false;
        ipv4Src = -1;
        ipv4Dst = -1;
    }

    /** The port the frame came in on. */
    public int inPort() {
        return inPort;
    }

    /** The frame's VLAN as translated so far: the tag's VID (0 untagged) until the ingress table sets it. */
    public int vlan() {
        return vlan;
    }

    /** The Ethernet destination as translated so far. */
    public long ethDst() {
        return ethDst;
    }

    /** The Ethernet source as translated so far (OpenFlow flows may match it after a set_field). */
    public long ethSrc() {
        return ethSrc;
    }

    /** The IP protocol (IPv4 or IPv6; a match on it requires one of those EtherTypes), -1 for other frames. */
    public int ipProto() {
        return frame.ipProtocol();
    }

    /** The IPv4 source, or the ARP sender for ARP (as OVS's nw_src); 0 for other frames. */
    public int nwSrc() {
        if (ipv4Src >= 0) {
            return (int) ipv4Src;
        }
        return frame.isArp() ? frame.arpSenderIp() : frame.ipSource();
    }

    /** The ARP operation, 0 for other frames. */
    public int arpOp() {
        return frame.arpOperation();
    }

    /** The VLAN priority: the received tag's (0 untagged) until a set_field changes it. */
    public int vlanPcp() {
        return vlanPcp;
    }

    /** Whether the frame's IPv6 addresses were captured (a match on them needs it). */
    public boolean hasIpv6() {
        return frame.hasIpv6Addresses();
    }

    /** The IPv6 source's first half. */
    public long ipv6SrcHigh() {
        return frame.ipv6SourceHigh();
    }

    /** The IPv6 source's second half. */
    public long ipv6SrcLow() {
        return frame.ipv6SourceLow();
    }

    /** The IPv6 destination's first half. */
    public long ipv6DstHigh() {
        return frame.ipv6DestinationHigh();
    }

    /** The IPv6 destination's second half. */
    public long ipv6DstLow() {
        return frame.ipv6DestinationLow();
    }

    /** The TCP/UDP/SCTP source port or ICMP type, -1 when the frame has none. */
    public int tpSrc() {
        return frame.l4Source();
    }

    /** The TCP/UDP/SCTP destination port or ICMP code, -1 when the frame has none. */
    public int tpDst() {
        return frame.l4Destination();
    }

    /** The metadata register: 0 when translation starts, then as write-metadata left it. */
    public long metadata() {
        return metadata;
    }

    /** The VNI the frame arrived with on a VXLAN port, {@link Match#ANY} for a frame from another port. */
    public int tunnelId() {
        return tunnelId;
    }

    void tunnelId(int vni) {
        tunnelId = vni;
    }

    void setIpv4(boolean source, int address) {
        if (source) {
            ipv4Src = address & 0xffff_ffffL;
        } else {
            ipv4Dst = address & 0xffff_ffffL;
        }
        result.ipv4(source, address);
    }

    void writeMetadata(long value, long mask) {
        metadata = (metadata & ~mask) | (value & mask);
    }

    void setVlanPcp(int pcp) {
        vlanPcp = pcp;
        result.vlanPcp(pcp);
    }

    /**
     * Whether the frame has an 802.1Q tag at this point: pushed by a flow, or as it arrived (a
     * trunk's frames are tagged, an access port's not) unless a flow popped it.
     */
    public boolean hasTag() {
        return tag == Verdict.TAG_PUSHED || tag == Verdict.TAG_BY_PORT && frame.tagged();
    }

    /** push_vlan ({@code Verdict.TAG_PUSHED}) or pop_vlan ({@code TAG_POPPED}): how later outputs leave. */
    void tag(int mode) {
        tag = mode;
    }

    /** An OpenFlow output to the ingress port: skipped, as OpenFlow requires (only IN_PORT sends a frame back). */
    void skipSamePort() {
        samePortSkipped = true;
    }

    /** The frame's EtherType (behind any tag). */
    public int ethType() {
        return frame.ethType();
    }

    /** The IPv4 destination or ARP target, 0 for other frames. */
    public int nwDst() {
        return ipv4Dst >= 0 ? (int) ipv4Dst : frame.networkDestination();
    }

    /** The time the frame is translated at ({@code System.nanoTime()}). */
    public long nowNanos() {
        return nowNanos;
    }

    /** The next-hop register: the IPv4 address routing chose, 0 until then. */
    public int nextHop() {
        return nextHop;
    }

    /** Whether the frame passed a routing step (it may then leave by its ingress port). */
    public boolean routed() {
        return routed;
    }

    Resolution result() {
        return result;
    }

    void setVlan(int vid) {
        vlan = vid;
    }

    void setEthSrc(long mac) {
        ethSrc = mac;
        result.ethSource(mac);
    }

    void setEthDst(long mac) {
        ethDst = mac;
        result.ethDestination(mac);
    }

    void decrementTtl() {
        result.decrementTtl(true);
        routed = true;
    }

    /**
     * OpenFlow's {@code dec_nw_ttl}: the same executor step as routing's, but the frame is not
     * "routed" (NORMAL's same-port rule stays as it is).
     */
    void decrementTtlOnly() {
        result.decrementTtl(true);
    }

    /** Loads the next-hop register: {@code ip}, or the frame's destination if {@code ip} is 0 (connected). */
    void setNextHop(int ip) {
        nextHop = ip != 0 ? ip : nwDst();
    }

    void gotoTable(int table) {
        nextTable = table;
    }

    int takeNextTable() {
        int t = nextTable;
        nextTable = -1;
        return t;
    }

    void drop(DropReason reason) {
        result.drop(reason);
        stopped = true;
    }

    void gateway() {
        result.gateway(true);
        stopped = true;
    }

    void unicast(int port) {
        result.output(Resolution.UNICAST, port, tag);
    }

    void toController(Actions.ToController action) {
        result.controller(action);
    }

    void flood(int excludedPort) {
        result.output(Resolution.FLOOD, excludedPort, tag);
    }

    boolean stopped() {
        return stopped;
    }

    /**
     * Called when translation ends: fixes the egress VLAN, and makes "no output" an explicit drop
     * (SAME_PORT when the only output named the ingress port).
     */
    void finish() {
        result.egressVlan(vlan);
        if (!stopped && result.outputCount() == 0 && result.controller() == null) {
            result.drop(samePortSkipped ? DropReason.SAME_PORT : DropReason.FLOW_DROP);
        }
    }
}
