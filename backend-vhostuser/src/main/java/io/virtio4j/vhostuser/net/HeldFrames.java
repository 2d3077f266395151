package io.virtio4j.vhostuser.net;

import java.lang.foreign.MemorySegment;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.vring.DescriptorChain;

/**
 * The frames a {@link VhostUserNetPort#holdTx} burst holds on one TX ring, as a flyweight the
 * holder reads without a lock check per frame: checked once in {@link VhostUserNetPort#heldFrames},
 * valid until {@link VhostUserNetPort#releaseTx}. One per ring, reused burst after burst.
 *
 * <p>Besides each frame's chain and length it gives where the frame's first bytes lie on the
 * host when the burst's touch found them in one buffer within one guest region
 * ({@link #segment}, {@link #segmentOffset}, {@link #contiguous}): a reader then copies them
 * straight from there, with no cursor and no second translation, as DPDK's vhost reads a
 * single-descriptor mbuf.
 */
public final class HeldFrames {
    private final int[] index;
    private final long[] lengths;
    private ActiveQueue queue;
    private int headerLength;
    private int count;

    /** Over a ring slot's arrays of held chain indices and frame lengths (shared, not copied). */
    HeldFrames(int[] index, long[] lengths) {
        this.index = index;
        this.lengths = lengths;
    }

    /** Points the view at the burst the holder just took: {@code count} frames of {@code queue}. */
    HeldFrames bind(ActiveQueue queue, int headerLength, int count) {
        this.queue = queue;
        this.headerLength = headerLength;
        this.count = count;
        return this;
    }

    /** Frames held: indices {@code 0 .. count() - 1} are valid. */
    public int count() {
        return count;
    }

    /** The guest memory the held chains are in. */
    public GuestMemory memory() {
        return queue.memory;
    }

    /**
     * The features the front-end acknowledged for the ring: whether its virtio-net headers may ask
     * for offloads (VIRTIO_NET_F_CSUM, HOST_TSO4/6) and so must be read and checked.
     */
    public long features() {
        return queue.features;
    }

    /** Where every held frame starts in its chain: past the virtio-net header. */
    public int offset() {
        return headerLength;
    }

    /** Held frame {@code i}'s chain. */
    public DescriptorChain chain(int i) {
        return queue.chains[index[java.util.Objects.checkIndex(i, count)]];
    }

    /** Held frame {@code i}'s length, checked against the port's frame limits. */
    public long length(int i) {
        return lengths[java.util.Objects.checkIndex(i, count)];
    }

    /**
     * How many of held frame {@code i}'s bytes, from its start, lie in one buffer within one
     * region and may be read from {@link #segment} at {@link #segmentOffset}: at most its
     * {@link #length}, 0 when the frame must be read through a cursor.
     */
    public long contiguous(int i) {
        return Math.min(queue.frameRoom(index[java.util.Objects.checkIndex(i, count)]), lengths[i]);
    }

    /** The host segment of held frame {@code i}'s first bytes (meaningful when {@link #contiguous} is above 0). */
    public MemorySegment segment(int i) {
        return queue.frameSegment(index[java.util.Objects.checkIndex(i, count)]);
    }

    /** Where held frame {@code i} starts in its {@link #segment}. */
    public long segmentOffset(int i) {
        return queue.frameOffset(index[java.util.Objects.checkIndex(i, count)]);
    }
}
