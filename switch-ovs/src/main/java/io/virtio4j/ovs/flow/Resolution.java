package io.virtio4j.ovs.flow;

import io.virtio4j.ovs.pipeline.DropReason;
import io.virtio4j.ovs.pipeline.Verdict;

/**
 * What the flow program decided for a flow, independent of the frame's payload: the datapath
 * actions OVS would install and its exact-match cache would hold. Per-frame work that depends on
 * fields outside the cache key (the TTL check, the gateway's answers) is deferred to
 * {@link ResolutionExecutor}. Mutable and reused; the cache holds preallocated copies.
 */
public final class Resolution {
    /** Flows one translation may pass at most (one per table suffices; goto only goes forward). */
    public static final int MAX_FLOWS = 8;

    /** No output (dropped, answered by the gateway, or nothing matched). */
    public static final int NO_OUTPUT = 0;
    /** One port: {@link #outputPort()}. */
    public static final int UNICAST = 1;
    /** Every port of {@link #egressVlan()} except {@link #outputPort()} (-1: none excluded). */
    public static final int FLOOD = 2;

    private int ingressVlan;
    private DropReason drop = DropReason.NONE;
    private boolean gateway;
    private long ethSource = Verdict.NO_MAC;
    private long ethDestination = Verdict.NO_MAC;
    private boolean decrementTtl;
    private int egressVlan;
    private int outputKind;
    private int outputPort;
    private final int[] flows = new int[MAX_FLOWS];
    private int flowCount;

    public void clear() {
        ingressVlan = 0;
        drop = DropReason.NONE;
        gateway = false;
        ethSource = Verdict.NO_MAC;
        ethDestination = Verdict.NO_MAC;
        decrementTtl = false;
        egressVlan = 0;
        outputKind = NO_OUTPUT;
        outputPort = -1;
        flowCount = 0;
    }

    public void copyFrom(Resolution o) {
        ingressVlan = o.ingressVlan;
        drop = o.drop;
        gateway = o.gateway;
        ethSource = o.ethSource;
        ethDestination = o.ethDestination;
        decrementTtl = o.decrementTtl;
        egressVlan = o.egressVlan;
        outputKind = o.outputKind;
        outputPort = o.outputPort;
        System.arraycopy(o.flows, 0, flows, 0, o.flowCount);
        flowCount = o.flowCount;
    }

    /** The VLAN the frame was admitted to, 0 if the ingress table refused it. */
    public int ingressVlan() {
        return ingressVlan;
    }

    void ingressVlan(int vlan) {
        ingressVlan = vlan;
    }

    public DropReason drop() {
        return drop;
    }

    void drop(DropReason reason) {
        drop = reason;
        outputKind = NO_OUTPUT;
    }

    public boolean gateway() {
        return gateway;
    }

    void gateway(boolean g) {
        gateway = g;
    }

    public long ethSource() {
        return ethSource;
    }

    void ethSource(long mac) {
        ethSource = mac;
    }

    public long ethDestination() {
        return ethDestination;
    }

    void ethDestination(long mac) {
        ethDestination = mac;
    }

    public boolean decrementTtl() {
        return decrementTtl;
    }

    void decrementTtl(boolean d) {
        decrementTtl = d;
    }

    public int egressVlan() {
        return egressVlan;
    }

    void egressVlan(int vlan) {
        egressVlan = vlan;
    }

    public int outputKind() {
        return outputKind;
    }

    public int outputPort() {
        return outputPort;
    }

    void output(int kind, int port) {
        outputKind = kind;
        outputPort = port;
    }

    /** Records that flow {@code id} matched (for its packet counter); ignores more than {@link #MAX_FLOWS}. */
    void addFlow(int id) {
        if (flowCount < MAX_FLOWS) {
            flows[flowCount++] = id;
        }
    }

    public int flowCount() {
        return flowCount;
    }

    public int flow(int i) {
        return flows[i];
    }
}
