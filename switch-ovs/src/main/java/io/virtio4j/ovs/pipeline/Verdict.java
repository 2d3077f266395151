package io.virtio4j.ovs.pipeline;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The outcome of {@link FramePipeline#process} for one frame, reused frame after frame (one per PMD
 * thread, so nothing is allocated per packet).
 *
 * <p>The executor copies the frame once into each output port's buffers; it writes the frame
 * untagged to access ports and tagged with {@link #egressVlan()} to trunks; then, in the
 * destination buffer, it applies the rewrites: Ethernet source and destination when set, and the
 * IPv4 TTL decrement with the checksum adjusted incrementally (RFC 1624).
 *
 * <p>A reply (ARP reply, ICMP time exceeded, echo reply from the gateway) is a frame the pipeline
 * built in {@link #reply()}; the executor sends it to the ingress port.
 */
public final class Verdict {
    /** Most ports one flood can leave by (a VLAN has at most one more port). */
    public static final int MAX_OUTPUTS = 256;
    /**
     * Room for one flood and the other outputs an OpenFlow flow may add to it (it has at most one
     * FLOOD or ALL among its {@code Resolution.MAX_OUTPUTS} outputs), so no copy is ever cut off.
     */
    private static final int CAPACITY = MAX_OUTPUTS + io.virtio4j.ovs.flow.Resolution.MAX_OUTPUTS;
    /** Room for a generated reply frame (Ethernet + IPv4 + ICMP with the quoted header). */
    public static final int MAX_REPLY = 128;
    /** "Do not rewrite" for {@link #setEthSource} and {@link #setEthDestination}. */
    public static final long NO_MAC = -1;

    /** The output leaves with the tag its port's mode gives: tagged to a trunk, untagged to an access port. */
    public static final int TAG_BY_PORT = 0;
    /** The output leaves tagged (OpenFlow push_vlan), whatever its port's mode. */
    public static final int TAG_PUSHED = 1;
    /** The output leaves untagged (OpenFlow pop_vlan), whatever its port's mode. */
    public static final int TAG_POPPED = 2;
    /** "Keep the priority the frame came with" for {@link #setVlanPcp}. */
    public static final int KEEP_PCP = -1;
    /** "Keep the address the frame has" for {@link #setIpv4Source} and {@link #setIpv4Destination}. */
    public static final long KEEP_IPV4 = -1;

    private final int[] outputs = new int[CAPACITY];
    private final byte[] outputTags = new byte[CAPACITY];
    private int vlanPcp = KEEP_PCP;
    private long ipv4Source = KEEP_IPV4;
    private long ipv4Destination = KEEP_IPV4;
    private int outputCount;
    private int egressVlan;
    private long ethSource = NO_MAC;
    private long ethDestination = NO_MAC;
    private boolean decrementTtl;
    private final MemorySegment reply = Arena.ofAuto().allocate(MAX_REPLY);
    private int replyLength;
    private io.virtio4j.ovs.flow.Actions.ToController controller;
    private DropReason drop = DropReason.NONE;
    private boolean repeat;

    /**
     * A verdict that decides nothing (no outputs, no rewrites, no reply, not dropped), with its reply
     * buffer allocated now. The executor keeps one per burst slot and reuses it.
     */
    public Verdict() {
    }

    /** Back to "nothing decided". */
    public void clear() {
        outputCount = 0;
        egressVlan = 0;
        ethSource = NO_MAC;
        ethDestination = NO_MAC;
        decrementTtl = false;
        vlanPcp = KEEP_PCP;
        ipv4Source = KEEP_IPV4;
        ipv4Destination = KEEP_IPV4;
        replyLength = 0;
        controller = null;
        drop = DropReason.NONE;
        repeat = false;
    }

    /**
     * Decides that the frame goes exactly as the burst's previous frame went: the same outputs,
     * rewrites, reply and drop as that frame's verdict, which the executor still holds, applied to
     * this frame's own bytes. Nothing else is set. A pipeline says so when the two frames have the
     * same flow key and the decision depends on nothing else of the frame (as OVS runs a batch's
     * packets of one flow through its actions together), so that a burst of one flow is decided
     * and routed once, not once per frame. The burst's first frame must not repeat.
     */
    public void repeatPrevious() {
        repeat = true;
    }

    /** Whether this verdict is {@link #repeatPrevious}: the burst's previous frame's, unchanged. */
    public boolean repeatsPrevious() {
        return repeat;
    }

    /** The PACKET_IN to make of the frame (OpenFlow output:CONTROLLER), or null. */
    public io.virtio4j.ovs.flow.Actions.ToController controller() {
        return controller;
    }

    /** Sends the frame to the controllers as {@code action} says (instead of to ports). */
    public void toController(io.virtio4j.ovs.flow.Actions.ToController action) {
        controller = action;
    }

    /** Adds an output port, tagged as its mode says; returns false (and adds nothing) if the table is full. */
    public boolean addOutput(int port) {
        return addOutput(port, TAG_BY_PORT);
    }

    /**
     * Adds an output port leaving with {@code tag} ({@link #TAG_BY_PORT}, {@link #TAG_PUSHED},
     * {@link #TAG_POPPED}); returns false (and adds nothing) if the table is full.
     */
    public boolean addOutput(int port, int tag) {
        if (outputCount == CAPACITY) {
            return false;
        }
        outputTags[outputCount] = (byte) tag;
        outputs[outputCount++] = port;
        return true;
    }

    /** How output {@code i} leaves: {@link #TAG_BY_PORT}, {@link #TAG_PUSHED} or {@link #TAG_POPPED}. */
    public int outputTag(int i) {
        return outputTags[i];
    }

    /** The 802.1Q priority a tagged copy leaves with, or {@link #KEEP_PCP} (the one it came with, 0 if untagged). */
    public int vlanPcp() {
        return vlanPcp;
    }

    /** The IPv4 source every copy gets (an unsigned 32-bit address), or {@link #KEEP_IPV4}. */
    public long ipv4Source() {
        return ipv4Source;
    }

    /**
     * Rewrites the IPv4 source of every copy (OpenFlow set_field ipv4_src), with the IPv4 and
     * TCP/UDP checksums updated; {@link #KEEP_IPV4} keeps it.
     */
    public void setIpv4Source(long address) {
        this.ipv4Source = address;
    }

    /** The IPv4 destination every copy gets, or {@link #KEEP_IPV4}. */
    public long ipv4Destination() {
        return ipv4Destination;
    }

    /** As {@link #setIpv4Source}, for the destination. */
    public void setIpv4Destination(long address) {
        this.ipv4Destination = address;
    }

    /** Sets the priority tagged copies leave with ({@link #KEEP_PCP}: as received). */
    public void setVlanPcp(int pcp) {
        this.vlanPcp = pcp;
    }

    /** Ports the frame leaves by: 0 (with no drop reason) means the frame simply goes nowhere. */
    public int outputCount() {
        return outputCount;
    }

    /**
     * The {@code i}th output port (an index in the switch spec, {@code i < outputCount()}); the
     * executor still checks it is a port.
     */
    public int output(int i) {
        return outputs[i];
    }

    /** The VLAN the frame belongs to on the way out (the ingress VLAN, or the egress subnet's when routed). */
    public int egressVlan() {
        return egressVlan;
    }

    /** Sets the VLAN the frame leaves on; the executor drops outputs to ports that do not carry it. */
    public void egressVlan(int vlan) {
        this.egressVlan = vlan;
    }

    /** The Ethernet source to write in every copy, or {@link #NO_MAC} to keep the frame's. */
    public long ethSource() {
        return ethSource;
    }

    /**
     * Rewrites the Ethernet source of every copy to {@code mac} (48 bits in the low bits, first
     * octet highest; routing sets the gateway's MAC here), or keeps it with {@link #NO_MAC}.
     */
    public void setEthSource(long mac) {
        this.ethSource = mac;
    }

    /** The Ethernet destination to write in every copy, or {@link #NO_MAC} to keep the frame's. */
    public long ethDestination() {
        return ethDestination;
    }

    /**
     * Rewrites the Ethernet destination of every copy to {@code mac} (encoded as for
     * {@link #setEthSource}; routing sets the next hop's MAC here), or keeps it with {@link #NO_MAC}.
     */
    public void setEthDestination(long mac) {
        this.ethDestination = mac;
    }

    /** Whether the copies get their IPv4 TTL decremented (and checksum adjusted): a routed frame. */
    public boolean decrementTtl() {
        return decrementTtl;
    }

    /**
     * Asks the executor to decrement the IPv4 TTL in each copy, adjusting the header checksum. Only
     * for a frame with an IPv4 header the pipeline checked and a TTL above 1 (at 1 it replies
     * time exceeded and drops instead).
     */
    public void setDecrementTtl(boolean decrement) {
        this.decrementTtl = decrement;
    }

    /** Where the pipeline writes a reply frame; valid until the next {@link #clear()}. */
    public MemorySegment reply() {
        return reply;
    }

    /** Bytes of {@link #reply()} in use, 0 for no reply. */
    public int replyLength() {
        return replyLength;
    }

    /**
     * Declares the first {@code length} bytes of {@link #reply()} a reply frame to send back out of
     * the ingress port (0: no reply). Set it after writing the frame.
     *
     * @throws IllegalArgumentException if {@code length} is negative or above {@link #MAX_REPLY}
     */
    public void replyLength(int length) {
        if (length < 0 || length > MAX_REPLY) {
            throw new IllegalArgumentException("reply length " + length);
        }
        this.replyLength = length;
    }

    /**
     * Why the frame was dropped, {@link DropReason#NONE} if it was not; the executor counts any
     * other reason at the ingress port and in the switch-wide drops.
     */
    public DropReason drop() {
        return drop;
    }

    /** Marks the frame dropped for {@code reason} (outputs added so far are discarded). */
    public void drop(DropReason reason) {
        this.drop = reason;
        this.outputCount = 0;
    }
}
