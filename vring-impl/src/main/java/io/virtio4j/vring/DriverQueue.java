package io.virtio4j.vring;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.queue.QueueLayout;

/**
 * The driver side of a virtqueue, split (spec 2.7.13, 2.7.14) or packed (spec 2.8.21-2.8.22, when
 * the layout says {@link QueueLayout#packed()}): what a guest driver does. The in-process guest for
 * tests, benchmarks and the demo (as DPDK's virtio_user). Adds chains direct or as an indirect
 * table (one table slot per chain name in a caller-given area), publishes them, decides whether to
 * kick, and reclaims used buffers. Single-threaded. Trusts nothing the device writes: used ids are
 * checked; an id it never gave is counted ({@link #badUsed()}), and on a packed ring, where it
 * leaves no way to know how far to skip, it also stops the queue ({@link #isBroken()}).
 */
public final class DriverQueue {
    private final DriverRing ring;

    /**
     * Zeroes (and for a split ring links) the rings of {@code layout} in {@code memory}.
     *
     * @param indirectAddr guest address of {@code size * maxIndirect * 16} bytes for indirect
     *                     tables, in one region; ignored when {@code maxIndirect} is 0
     */
    public DriverQueue(GuestMemory memory, QueueLayout layout, long indirectAddr, int maxIndirect) {
        this.ring = layout.packed()
                ? new PackedDriverRing(memory, layout, indirectAddr, maxIndirect)
                : new SplitDriverRing(memory, layout, indirectAddr, maxIndirect);
    }

    /** A driver queue without indirect tables; see {@link #DriverQueue(GuestMemory, QueueLayout, long, int)}. */
    public DriverQueue(GuestMemory memory, QueueLayout layout) {
        this(memory, layout, 0, 0);
    }

    /** Free descriptors (ring slots on a packed ring). */
    public int freeCount() {
        return ring.freeCount();
    }

    /**
     * Adds a chain of {@code count} buffers (the readable ones must come first) as direct
     * descriptors. Not visible to the device until {@link #publish()}. Returns the chain's name:
     * its head index (split) or buffer id (packed), what the device gives back used.
     *
     * @throws VirtqueueException if there are not enough free descriptors or the order is wrong
     */
    public int add(long[] addr, int[] len, boolean[] writable, int count) {
        return ring.add(addr, len, writable, count);
    }

    /** Adds a chain as one INDIRECT descriptor pointing at this chain's table slot (spec 2.7.5.3, 2.8.8). */
    public int addIndirect(long[] addr, int[] len, boolean[] writable, int count) {
        return ring.addIndirect(addr, len, writable, count);
    }

    /**
     * Publishes every chain added since the last publish: the avail idx with release (split), or
     * each chain's first descriptor's flags, the burst's first chain last (packed), so the device
     * sees the burst at once.
     */
    public void publish() {
        ring.publish();
    }

    /**
     * Whether to notify the device for what was published since the last kick decision
     * (spec 2.7.13.4 avail_event or NO_NOTIFY; spec 2.8.10 device event suppression).
     */
    public boolean shouldKick() {
        return ring.shouldKick();
    }

    /**
     * Reclaims up to {@code max} used chains into {@code ids}/{@code lens}, freeing their
     * descriptors. A used id not outstanding is skipped (split) or stops the queue (packed), and is counted.
     */
    public int reclaim(int[] ids, int[] lens, int max) {
        return ring.reclaim(ids, lens, max);
    }

    /** Asks for (or stops asking for) interrupts. */
    public void enableInterrupts(boolean enable) {
        ring.enableInterrupts(enable);
    }

    /** Used elements the device wrote with an id we did not hand out. */
    public long badUsed() {
        return ring.badUsed();
    }

    /**
     * The driver's avail position: a split ring's avail idx (chains made available, modulo 2^16),
     * or a packed ring's next slot with its wrap counter in bit 15; what a device resumes from.
     */
    public int availIdx() {
        return ring.availIdx();
    }

    /** The queue size: number of descriptors. */
    public int size() {
        return ring.size();
    }

    /** Whether the device broke the ring so the driver stopped using it (packed only). */
    public boolean isBroken() {
        return ring.isBroken();
    }

    /** Whether this is a packed ring (spec 2.8). */
    public boolean isPacked() {
        return ring instanceof PackedDriverRing;
    }

    static void checkChain(boolean[] writable, int count) {
        if (count < 1) {
            throw new VirtqueueException(VirtqueueException.Reason.DRIVER_MISUSE, "empty chain");
        }
        for (int i = 1; i < count; i++) {
            if (writable[i - 1] && !writable[i]) {
                throw new VirtqueueException(VirtqueueException.Reason.DRIVER_MISUSE, "readable buffer after a writable one");
            }
        }
    }
}
