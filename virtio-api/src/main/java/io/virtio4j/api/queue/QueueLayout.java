package io.virtio4j.api.queue;

/**
 * Where a split virtqueue lives in guest memory and how it was negotiated: what the driver wrote
 * to the common config (or what vhost-user SET_VRING_ADDR / SET_VRING_NUM carried). Plain data;
 * the queue implementation validates it against guest memory before use.
 *
 * @param size          number of descriptors (power of two, 1..32768)
 * @param descAddr      guest address of the descriptor table (16-aligned)
 * @param availAddr     guest address of the available ring (2-aligned)
 * @param usedAddr      guest address of the used ring (4-aligned)
 * @param eventIdx      VIRTIO_F_EVENT_IDX negotiated (used_event / avail_event)
 * @param indirectDesc  VIRTIO_F_RING_INDIRECT_DESC negotiated
 */
public record QueueLayout(int size, long descAddr, long availAddr, long usedAddr,
                          boolean eventIdx, boolean indirectDesc) {

    /** Largest queue size of a split virtqueue (spec 2.7: "Queue Size ... maximum is 32768"). */
    public static final int MAX_SIZE = 32768;

    /** Bytes of the descriptor table: 16 per descriptor (spec 2.7.5). */
    public long descBytes() {
        return 16L * size;
    }

    /** Bytes of the available ring: flags, idx, ring[size], used_event (spec 2.7.6). */
    public long availBytes() {
        return 6L + 2L * size;
    }

    /** Bytes of the used ring: flags, idx, ring[size] of (id,len), avail_event (spec 2.7.8). */
    public long usedBytes() {
        return 6L + 8L * size;
    }

    /**
     * A contiguous layout as a legacy driver would place it: descriptors, then avail ring, then
     * the used ring on the next 4-byte boundary. Handy for tests and the in-process driver.
     */
    public static QueueLayout contiguous(int size, long base, boolean eventIdx, boolean indirectDesc) {
        long avail = base + 16L * size;
        long used = (avail + 6L + 2L * size + 3) & ~3L;
        return new QueueLayout(size, base, avail, used, eventIdx, indirectDesc);
    }

    /** Total bytes {@link #contiguous} occupies from its base. */
    public long contiguousBytes() {
        return usedAddr - descAddr + usedBytes();
    }
}
