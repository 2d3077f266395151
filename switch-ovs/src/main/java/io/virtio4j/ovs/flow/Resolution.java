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

    /** Outputs one translation may make at most (an OpenFlow action list's outputs; a flood is one). */
    public static final int MAX_OUTPUTS = 8;

    /** No output (dropped, answered by the gateway, or nothing matched). */
    public static final int NO_OUTPUT = 0;
    /** One port: {@link #outputPort(int)}. */
    public static final int UNICAST = 1;
    /** Every port of {@link #egressVlan()} except {@link #outputPort(int)} (-1: none excluded). */
    public static final int FLOOD = 2;

    private int ingressVlan;
    private DropReason drop = DropReason.NONE;
    private boolean gateway;
    private long ethSource = Verdict.NO_MAC;
    private long ethDestination = Verdict.NO_MAC;
    private boolean decrementTtl;
    private int egressVlan;
    private int vlanPcp = Verdict.KEEP_PCP;
    private long ipv4Source = Verdict.KEEP_IPV4;
    private long ipv4Destination = Verdict.KEEP_IPV4;
    /** Per output, in the order the actions made them: kind, port, and the tag it leaves with (Verdict.TAG_*). */
    private final int[] outputKinds = new int[MAX_OUTPUTS];
    private final int[] outputPorts = new int[MAX_OUTPUTS];
    private final int[] outputTags = new int[MAX_OUTPUTS];
    private int outputCount;
    private Actions.ToController controller;
    private final int[] flows = new int[MAX_FLOWS];
    private int flowCount;


    /** An empty resolution (no output). */
    public Resolution() {
        // Reused: clear() before each translation.
    }

    /** Back to empty, for the next translation. */
    public void clear() {
        ingressVlan = 0;
        drop = DropReason.NONE;
        gateway = false;
        ethSource = Verdict.NO_MAC;
        ethDestination = Verdict.NO_MAC;
        decrementTtl = false;
        egressVlan = 0;
        vlanPcp = Verdict.KEEP_PCP;
        ipv4Source = Verdict.KEEP_IPV4;
        ipv4Destination = Verdict.KEEP_IPV4;
        outputCount = 0;
        controller = null;
        flowCount = 0;
    }

    /** Makes this a copy of {@code o} (filling a cache slot without allocating). */
    public void copyFrom(Resolution o) {
        ingressVlan = o.ingressVlan;
        drop = o.drop;
        gateway = o.gateway;
        ethSource = o.ethSource;
        ethDestination = o.ethDestination;
        decrementTtl = o.decrementTtl;
        egressVlan = o.egressVlan;
        vlanPcp = o.vlanPcp;
        ipv4Source = o.ipv4Source;
        ipv4Destination = o.ipv4Destination;
        System.arraycopy(o.outputKinds, 0, outputKinds, 0, o.outputCount);
        System.arraycopy(o.outputPorts, 0, outputPorts, 0, o.outputCount);
        System.arraycopy(o.outputTags, 0, outputTags, 0, o.outputCount);
        outputCount = o.outputCount;
        controller = o.controller;
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

    /** Why the frame is dropped, {@code NONE} if it is not. */
    public DropReason drop() {
        return drop;
    }

    void drop(DropReason reason) {
        drop = reason;
        outputCount = 0;
        controller = null;
    }

    /** Whether the frame is for the gateway itself (ARP or ping for its address). */
    public boolean gateway() {
        return gateway;
    }

    void gateway(boolean g) {
        gateway = g;
    }

    /** The Ethernet source to write, or {@code Verdict.NO_MAC} to keep it. */
    public long ethSource() {
        return ethSource;
    }

    void ethSource(long mac) {
        ethSource = mac;
    }

    /** The Ethernet destination to write, or {@code Verdict.NO_MAC} to keep it. */
    public long ethDestination() {
        return ethDestination;
    }

    void ethDestination(long mac) {
        ethDestination = mac;
    }

    /** Whether the frame was routed and its TTL is to be decremented. */
    public boolean decrementTtl() {
        return decrementTtl;
    }

    void decrementTtl(boolean d) {
        decrementTtl = d;
    }

    /** The VLAN the frame leaves on. */
    public int egressVlan() {
        return egressVlan;
    }

    void egressVlan(int vlan) {
        egressVlan = vlan;
    }

    /** The 802.1Q priority the frame leaves with when tagged, or {@code Verdict.KEEP_PCP}. */
    public int vlanPcp() {
        return vlanPcp;
    }

    void vlanPcp(int pcp) {
        vlanPcp = pcp;
    }

    /** The IPv4 source to write (an unsigned address), or {@code Verdict.KEEP_IPV4}. */
    public long ipv4Source() {
        return ipv4Source;
    }

    /** The IPv4 destination to write, or {@code Verdict.KEEP_IPV4}. */
    public long ipv4Destination() {
        return ipv4Destination;
    }

    void ipv4(boolean source, int address) {
        if (source) {
            ipv4Source = address & 0xffff_ffffL;
        } else {
            ipv4Destination = address & 0xffff_ffffL;
        }
    }

    /** How many outputs: 0 for none (see {@link #controller()} for a PACKET_IN). */
    public int outputCount() {
        return outputCount;
    }

    /** Output {@code i}'s kind: {@link #UNICAST} or {@link #FLOOD}. */
    public int outputKind(int i) {
        return outputKinds[i];
    }

    /** Output {@code i}'s port for a unicast; for a flood, the port excluded (-1: none). */
    public int outputPort(int i) {
        return outputPorts[i];
    }

    /** The tag output {@code i} leaves with: {@code Verdict.TAG_BY_PORT}, {@code TAG_PUSHED} or {@code TAG_POPPED}. */
    public int outputTag(int i) {
        return outputTags[i];
    }

    /** Adds an output; one past {@link #MAX_OUTPUTS} is ignored (OpenFlow's decoder refuses more per flow). */
    void output(int kind, int port, int tag) {
        if (outputCount < MAX_OUTPUTS) {
            outputKinds[outputCount] = kind;
            outputPorts[outputCount] = port;
            outputTags[outputCount] = tag;
            outputCount++;
        }
    }

    /** Adds an output leaving with the tag its port's mode gives. */
    void output(int kind, int port) {
        output(kind, port, Verdict.TAG_BY_PORT);
    }

    /** The PACKET_IN to make instead of any output (OpenFlow output:CONTROLLER), else null. */
    public Actions.ToController controller() {
        return controller;
    }

    void controller(Actions.ToController action) {
        outputCount = 0;
        controller = action;
    }

    /** Records that flow {@code id} matched (for its packet counter); ignores more than {@link #MAX_FLOWS}. */
    void addFlow(int id) {
        if (flowCount < MAX_FLOWS) {
            flows[flowCount++] = id;
        }
    }

    /** How many flows matched (at most {@link #MAX_FLOWS} are recorded). */
    public int flowCount() {
        return flowCount;
    }

    /** The id of the {@code i}th flow that matched. */
    public int flow(int i) {
        return flows[i];
    }
}
