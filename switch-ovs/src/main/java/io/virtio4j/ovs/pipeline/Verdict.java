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
    /** Most ports one frame can leave by (a flood). */
    public static final int MAX_OUTPUTS = 256;
    /** Room for a generated reply frame (Ethernet + IPv4 + ICMP with the quoted header). */
    public static final int MAX_REPLY = 128;
    /** "Do not rewrite" for {@link #setEthSource} and {@link #setEthDestination}. */
    public static final long NO_MAC = -1;

    private final int[] outputs = new int[MAX_OUTPUTS];
    private int outputCount;
    private int egressVlan;
    private long ethSource = NO_MAC;
    private long ethDestination = NO_MAC;
    private boolean decrementTtl;
    private final MemorySegment reply = Arena.ofAuto().allocate(MAX_REPLY);
    private int replyLength;
    private DropReason drop = DropReason.NONE;

    /** Back to "nothing decided". */
    public void clear() {
        outputCount = 0;
        egressVlan = 0;
        ethSource = NO_MAC;
        ethDestination = NO_MAC;
        decrementTtl = false;
        replyLength = 0;
        drop = DropReason.NONE;
    }

    /** Adds an output port; returns false (and adds nothing) if the table is full. */
    public boolean addOutput(int port) {
        if (outputCount == MAX_OUTPUTS) {
            return false;
        }
        outputs[outputCount++] = port;
        return true;
    }

    public int outputCount() {
        return outputCount;
    }

    public int output(int i) {
        return outputs[i];
    }

    /** The VLAN the frame belongs to on the way out (the ingress VLAN, or the egress subnet's when routed). */
    public int egressVlan() {
        return egressVlan;
    }

    public void egressVlan(int vlan) {
        this.egressVlan = vlan;
    }

    public long ethSource() {
        return ethSource;
    }

    public void setEthSource(long mac) {
        this.ethSource = mac;
    }

    public long ethDestination() {
        return ethDestination;
    }

    public void setEthDestination(long mac) {
        this.ethDestination = mac;
    }

    public boolean decrementTtl() {
        return decrementTtl;
    }

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

    public void replyLength(int length) {
        if (length < 0 || length > MAX_REPLY) {
            throw new IllegalArgumentException("reply length " + length);
        }
        this.replyLength = length;
    }

    public DropReason drop() {
        return drop;
    }

    /** Marks the frame dropped for {@code reason} (outputs added so far are discarded). */
    public void drop(DropReason reason) {
        this.drop = reason;
        this.outputCount = 0;
    }
}
