package io.virtio4j.vring;

import io.virtio4j.api.memory.GuestMemory;

/**
 * Walks one packed-ring chain (spec 2.8.6): consecutive slots from its first, across the end of
 * the ring (the wrap counter flipping there), while NEXT is set. Each descriptor's flags are read
 * once, with acquire, and every decision on that descriptor is made on that one value, so a driver
 * changing flags while the device reads them cannot make a check and a use disagree. The buffers
 * and indirect tables themselves are checked by the shared {@link ChainWalker}.
 *
 * <p>Two kinds of failure: the chain's contents (a buffer, a table, its id): its extent is still
 * known, so the device returns it used with len 0 and goes on; and the chain's extent itself (it
 * runs past the slots the device may read, or into a slot not made available): then nobody knows
 * where the next chain starts, {@link #ringError} is set and the queue must stop.
 */
final class PackedChainWalker {
    private final PackedRing ring;
    private final ChainWalker buffers;
    /** Ring slots the last chain occupies: how far the device's positions move for it. */
    int descs;
    /** The last chain's buffer id, from its last descriptor (spec 2.8.6); may be out of range. */
    int id;
    /** The last walk failed on the chain's extent: the queue cannot go on. */
    boolean ringError;

    PackedChainWalker(PackedRing ring, GuestMemory memory) {
        this.ring = ring;
        this.buffers = new ChainWalker(memory, ring.layout().indirectDesc());
    }

    /** The descriptor (or table entry, or address) that failed, for the log line. */
    long lastDetail() {
        return buffers.lastDetail;
    }

    /**
     * Walks the chain whose first descriptor is at {@code slot} (device wrap counter {@code wrap}),
     * already seen available in {@code headTail} (its second half as {@link PackedRing#tailAcquire}
     * read it: len, id and flags of one instant); it may occupy at most {@code limit} slots
     * (the slots the driver can have made available: the ring less what the device holds).
     * Returns null when the chain is good, else why it is refused.
     */
    ChainError walk(int slot, boolean wrap, long headTail, int limit, DescriptorChain out) {
        buffers.begin(out, -1);
        ringError = false;
        ChainError error = null;
        long tail = headTail;
        int flags = PackedRing.tailFlags(tail);
        int count = 0;
        while (true) {
            count++;
            // In bounds: slot < size: it starts so and wraps to 0 when it reaches size below.
            long addr = ring.addr(slot);
            long len = PackedRing.tailLen(tail);
            if (error == null) {
                error = descriptor(flags, addr, len, out);
                if (error != null) {
                    buffers.lastDetail = slot;
                }
            }
            if ((flags & SplitRing.DESC_F_NEXT) == 0) {
                id = PackedRing.tailId(tail);
                break;
            }
            if (count == limit) {
                // A chain that never ends, or one longer than the ring (DPDK: desc_count >= vq->size).
                return broken(slot, count, ChainError.CHAIN_TOO_LONG);
            }
            if (++slot == ring.size) {
                slot = 0;
                wrap = !wrap;
            }
            tail = ring.tailAcquire(slot);
            flags = PackedRing.tailFlags(tail);
            if (!PackedRing.isAvailable(flags, wrap)) {
                // The driver makes a chain's first descriptor available last (spec 2.8.6), so the
                // rest must be available already: this one is torn or forged.
                return broken(slot, count, ChainError.DESC_NOT_AVAILABLE);
            }
        }
        descs = count;
        out.head(id);
        if (error == null && id >= ring.size) {
            buffers.lastDetail = id;
            return ChainError.HEAD_OUT_OF_RANGE;
        }
        return error;
    }

    private ChainError broken(int slot, int count, ChainError why) {
        ringError = true;
        descs = count;
        buffers.lastDetail = slot;
        return why;
    }

    private ChainError descriptor(int flags, long addr, long len, DescriptorChain out) {
        if ((flags & SplitRing.DESC_F_INDIRECT) == 0) {
            return buffers.buffer(addr, len, (flags & SplitRing.DESC_F_WRITE) != 0, out);
        }
        if ((flags & SplitRing.DESC_F_NEXT) != 0) {
            return buffers.indirectAllowed ? ChainError.INDIRECT_WITH_NEXT : ChainError.INDIRECT_NOT_NEGOTIATED;
        }
        // WRITE is reserved on an indirect descriptor (spec 2.8.8); the table's entries say it.
        // One ending a direct chain is taken as the split walker takes it: the ordering and length
        // rules carry into the table, so it gains the driver nothing.
        return buffers.indirect(addr, len, out, true);
    }
}
