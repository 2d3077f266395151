package io.virtio4j.tap;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.vring.ChainCursor;
import io.virtio4j.vring.DescriptorChain;

/**
 * A queue's {@link IovecArray} and the {@link ChainCursor} that fills it with the readable
 * (transmit) or writable (receive) bytes of a popped chain, straight into guest memory, so
 * readv/writev move the frame with the kernel's one copy. The cursor splits a buffer that spans two
 * guest regions and refuses a chain needing more iovecs than the array holds ({@link #TOO_MANY}) rather than
 * truncating it: a truncated frame would be a different frame. Single-threaded, one per queue.
 */
public final class GuestIovecs {
    /** Returned by {@link #map} when the chain needs more iovecs than the array has. */
    public static final int TOO_MANY = ChainCursor.TOO_MANY;
    /** Returned by {@link #map} when a buffer is not mapped (ChainWalker checked it; memory may have changed). */
    public static final int UNMAPPED = ChainCursor.UNMAPPED;

    private final GuestMemory memory;
    private final IovecArray iovecs;
    private final ChainCursor cursor = new ChainCursor();
    /** Entries map may fill; the rest are the caller's (TapReceiver's overflow sentinel). */
    private final int limit;

    GuestIovecs(GuestMemory memory, IovecArray iovecs) {
        this(memory, iovecs, 0);
    }

    /** Leaves the last {@code reserved} entries of {@code iovecs} to the caller. */
    GuestIovecs(GuestMemory memory, IovecArray iovecs, int reserved) {
        this.memory = memory;
        this.iovecs = iovecs;
        this.limit = iovecs.capacity() - reserved;
    }

    /**
     * Fills the iovecs with the chain's {@code writable} (or readable) bytes after the first
     * {@code skip} of them; returns the iovec count (0 if nothing is left), {@link #TOO_MANY} or
     * {@link #UNMAPPED}.
     */
    int map(DescriptorChain chain, boolean writable, long skip) {
        return map(chain, writable, skip, 0);
    }

    /**
     * As {@link #map(DescriptorChain, boolean, long)}, appending from iovec {@code start} (several
     * chains of one mergeable frame); returns the new total count or a negative code.
     */
    int map(DescriptorChain chain, boolean writable, long skip, int start) {
        if (writable) {
            cursor.writable(memory, chain);
        } else {
            cursor.readable(memory, chain);
        }
        cursor.skip(skip);
        // The cursor fills entries [start, limit) and bounds-checks them against the array itself.
        return cursor.toIovecs(iovecs.segment(), start, limit);
    }

    IovecArray iovecs() {
        return iovecs;
    }
}
