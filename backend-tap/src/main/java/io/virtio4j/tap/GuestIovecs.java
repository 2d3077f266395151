package io.virtio4j.tap;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestRegion;
import io.virtio4j.vring.DescriptorChain;

/**
 * Maps the readable (transmit) or writable (receive) buffers of a popped chain to an
 * {@link IovecArray} that points straight into guest memory, so readv/writev move the frame with
 * the kernel's one copy. A descriptor that spans two guest regions is split at the boundary (the
 * host mappings of adjacent regions need not be adjacent). A chain needing more iovecs than the
 * array holds is refused (-1) rather than truncated: a truncated frame would be a different frame.
 */
public final class GuestIovecs {
    /** Returned by {@link #map} when the chain needs more iovecs than the array has. */
    public static final int TOO_MANY = -1;
    /** Returned by {@link #map} when a buffer is not mapped (ChainWalker checked it; memory may have changed). */
    public static final int UNMAPPED = -2;
    /** Returned by {@link #map} when the chain holds fewer bytes than asked for. */
    public static final int TOO_SHORT = -3;

    private final GuestMemory memory;
    private final IovecArray iovecs;
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
        return map(memory, iovecs, limit, chain, writable, skip, Long.MAX_VALUE, start);
    }

    /**
     * Maps at most {@code maxBytes} of the chain's {@code writable} (or readable) bytes after the
     * first {@code skip} into {@code iovecs}, from entry {@code start} up to (not including)
     * {@code limit}; returns the new entry count, {@link #TOO_MANY}, {@link #UNMAPPED}, or
     * {@link #TOO_SHORT} when a finite {@code maxBytes} is more than the chain holds. Also used by
     * the switch's TAP ports to write a frame straight from another guest's chain.
     */
    public static int map(GuestMemory memory, IovecArray iovecs, int limit, DescriptorChain chain, boolean writable,
                          long skip, long maxBytes, int start) {
        int count = start;
        long toSkip = skip;
        long remaining = maxBytes;
        for (int d = 0; d < chain.count() && remaining > 0; d++) {
            if (chain.isWritable(d) != writable) {
                continue;
            }
            long address = chain.address(d);
            long length = chain.length(d);
            if (toSkip >= length) {
                toSkip -= length;
                continue;
            }
            address += toSkip;
            length = Math.min(length - toSkip, remaining);
            toSkip = 0;
            remaining -= length;
            while (length > 0) {
                int r = memory.regionIndexOf(address);
                if (r < 0) {
                    return UNMAPPED;
                }
                if (count >= limit) {
                    return TOO_MANY;
                }
                GuestRegion region = memory.region(r);
                long offset = address - region.guestBase();
                // Up to the region's end: address lies inside region r, so 0 <= offset < size.
                long run = Math.min(length, region.size() - offset);
                iovecs.set(count++, region.segment(), offset, run);
                address += run;
                length -= run;
            }
        }
        return remaining > 0 && maxBytes != Long.MAX_VALUE ? TOO_SHORT : count;
    }

    IovecArray iovecs() {
        return iovecs;
    }
}
