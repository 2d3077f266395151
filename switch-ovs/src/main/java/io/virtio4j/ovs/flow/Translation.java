package io.virtio4j.ovs.flow;

import io.virtio4j.ovs.packet.ParsedFrame;
import io.virtio4j.ovs.pipeline.DropReason;

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

    /** The IPv4 protocol; meaningful only for IPv4 frames (a match on it requires that EtherType). */
    public int ipProto() {
        return frame.ipProtocol();
    }

    /** The IPv4 source; meaningful only for IPv4 frames. */
    public int nwSrc() {
        return frame.ipSource();
    }

    /** The frame's EtherType (behind any tag). */
    public int ethType() {
        return frame.ethType();
    }

    /** The IPv4 destination or ARP target, 0 for other frames. */
    public int nwDst() {
        return frame.networkDestination();
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
        nextHop = ip != 0 ? ip : frame.networkDestination();
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
        result.output(Resolution.UNICAST, port);
    }

    void toController(Actions.ToController action) {
        result.controller(action);
    }

    void flood(int excludedPort) {
        result.output(Resolution.FLOOD, excludedPort);
    }

    boolean stopped() {
        return stopped;
    }

    /** Called when translation ends: fixes the egress VLAN, and makes "no output" an explicit drop. */
    void finish() {
        result.egressVlan(vlan);
        if (!stopped && result.outputKind() == Resolution.NO_OUTPUT) {
            result.drop(DropReason.FLOW_DROP);
        }
    }
}
