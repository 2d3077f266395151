package io.virtio4j.api.queue;

/**
 * Where a virtqueue lives in guest memory and how it was negotiated: what the driver wrote to the
 * common config (or what vhost-user SET_VRING_ADDR / SET_VRING_NUM carried). Plain data; the queue
 * implementation validates it against guest memory before use.
 *
 * <p>The three addresses are the spec's Descriptor, Driver and Device Areas (2.6): for a split ring
 * (2.7) the descriptor table, the available ring and the used ring; for a packed ring (2.8,
 * VIRTIO_F_RING_PACKED) the descriptor ring, the driver event suppression structure and the device
 * event suppression structure. The component names keep the split names the transports use.
 *
 * @param size          number of descriptors (1..32768; a power of two for a split ring)
 * @param descAddr      guest address of the descriptor table / ring (16-aligned)
 * @param availAddr     guest address of the Driver Area: available ring (2-aligned) or driver event suppression (4-aligned)
 * @param usedAddr      guest address of the Device Area: used ring or device event suppression (4-aligned)
 * @param eventIdx      VIRTIO_F_EVENT_IDX negotiated (used_event / avail_event, or descriptor-specific events)
 * @param indirectDesc  VIRTIO_F_RING_INDIRECT_DESC negotiated
 * @param packed        VIRTIO_F_RING_PACKED negotiated: the packed layout of spec 2.8
 */
public record QueueLayout(int size, long descAddr, long availAddr, long usedAddr,
                          boolean eventIdx, boolean indirectDesc, boolean packed) {

    /** Largest queue size of either layout (spec 2.7 "maximum is 32768", 2.8 "up to 2^15 entries"). */
    public static final int MAX_SIZE = 32768;
    /** Bytes of a packed ring's event suppression structure: le16 off_wrap, le16 flags (spec 2.8.10). */
    public static final long EVENT_SUPPRESSION_BYTES = 4;

    /** A split ring's layout (the packed flag off). */
    public QueueLayout(int size, long descAddr, long availAddr, long usedAddr, boolean eventIdx, boolean indirectDesc) {
        this(size, descAddr, availAddr, usedAddr, eventIdx, indirectDesc, false);
    }

    /** Bytes of the descriptor table (split) or ring (packed): 16 per descriptor (spec 2.7.5, 2.8.13). */
    public long descBytes() {
        return 16L * size;
    }

    /** Bytes of the Driver Area: the available ring (flags, idx, ring[size], used_event) or 4 when packed. */
    public long availBytes() {
        return packed ? EVENT_SUPPRESSION_BYTES : 6L + 2L * size;
    }

    /** Bytes of the Device Area: the used ring (flags, idx, ring[size] of (id,len), avail_event) or 4 when packed. */
    public long usedBytes() {
        return packed ? EVENT_SUPPRESSION_BYTES : 6L + 8L * size;
    }

    /**
     * A contiguous split layout as a legacy driver would place it: descriptors, then avail ring,
     * then the used ring on the next 4-byte boundary. Handy for tests and the in-process driver.
     */
    public static QueueLayout contiguous(int size, long base, boolean eventIdx, boolean indirectDesc) {
        long avail = base + 16L * size;
        long used = (avail + 6L + 2L * size + 3) & ~3L;
        return new QueueLayout(size, base, avail, used, eventIdx, indirectDesc);
    }

    /**
     * A contiguous packed layout: the descriptor ring, then the driver and the device event
     * suppression structures (4 bytes each), for tests and the in-process driver.
     */
    public static QueueLayout packed(int size, long base, boolean eventIdx, boolean indirectDesc) {
        long driver = base + 16L * size;
        return new QueueLayout(size, base, driver, driver + EVENT_SUPPRESSION_BYTES, eventIdx, indirectDesc, true);
    }

    /** The same layout on a ring of the given kind (the addresses stay; the caller places them for that kind). */
    public QueueLayout withPacked(boolean packedRing) {
        return new QueueLayout(size, descAddr, availAddr, usedAddr, eventIdx, indirectDesc, packedRing);
    }

    /** Total bytes {@link #contiguous} or {@link #packed} occupies from its base. */
    public long contiguousBytes() {
        return usedAddr - descAddr + usedBytes();
    }
}
