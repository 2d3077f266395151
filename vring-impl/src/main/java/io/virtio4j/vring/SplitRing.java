package io.virtio4j.vring;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.queue.QueueLayout;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The three parts of a split virtqueue (spec 2.7), validated once and sliced once from guest
 * memory; afterwards every access is at a fixed offset computed from an index masked by
 * {@code size - 1}, so it is in bounds of the slice by construction. Shared by both sides.
 */
public final class SplitRing {
    /** Descriptor flags (spec 2.7.5). */
    public static final int DESC_F_NEXT = 1;
    /** {@code VIRTQ_DESC_F_WRITE}: the buffer is device-writable (otherwise device-readable). */
    public static final int DESC_F_WRITE = 2;
    /** {@code VIRTQ_DESC_F_INDIRECT}: the buffer holds a table of descriptors (spec 2.7.5.3). */
    public static final int DESC_F_INDIRECT = 4;
    /** avail.flags: driver asks for no interrupts (spec 2.7.7). */
    public static final int AVAIL_F_NO_INTERRUPT = 1;
    /** used.flags: device asks for no kicks (spec 2.7.10). */
    public static final int USED_F_NO_NOTIFY = 1;

    static final int DESC_SIZE = 16;
    static final long DESC_ADDR = 0;
    static final long DESC_LEN = 8;
    static final long DESC_FLAGS = 12;
    static final long DESC_NEXT = 14;
    static final long RING_FLAGS = 0;
    static final long RING_IDX = 2;
    static final long RING_ENTRIES = 4;

    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /**
     * Aligned 16-bit handle for the ordered loads; rings are checked aligned in host memory too.
     * The ordered stores go through {@link OrderedStores} (why: see there).
     */
    private static final VarHandle IDX = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    final int size;
    final int mask;
    final MemorySegment desc;
    final MemorySegment avail;
    final MemorySegment used;
    final QueueLayout layout;

    private SplitRing(QueueLayout layout, MemorySegment desc, MemorySegment avail, MemorySegment used) {
        this.layout = layout;
        this.size = layout.size();
        this.mask = size - 1;
        this.desc = desc;
        this.avail = avail;
        this.used = used;
    }

    /** Spec 2.7 "Virtqueue Part Alignment": descriptor table 16, available ring 2, used ring 4. */
    private static final Rings.Parts PARTS = new Rings.Parts("descriptor table", 16, "available ring", 2, "used ring", 4);

    /**
     * Validates a layout against spec 2.7 and guest memory and slices the rings.
     *
     * @throws VirtqueueException on a bad size, misalignment, or a ring not inside one region
     */
    public static SplitRing map(GuestMemory memory, QueueLayout layout) {
        int size = layout.size();
        if (layout.packed() || size < 1 || size > QueueLayout.MAX_SIZE || Integer.bitCount(size) != 1) {
            throw new VirtqueueException(VirtqueueException.Reason.BAD_SIZE,
                    "split queue size " + size + (layout.packed() ? " (layout is packed)" : ""));
        }
        MemorySegment[] parts = PARTS.slice(memory, layout);
        // The ordered VarHandle accesses need host alignment as well; a region whose host mapping
        // is not 4-aligned relative to its guest base is refused here rather than at access time.
        if ((parts[1].address() & 1) != 0 || (parts[2].address() & 3) != 0) {
            throw new VirtqueueException(VirtqueueException.Reason.MISALIGNED, "host mapping of a ring is misaligned");
        }
        return new SplitRing(layout, parts[0], parts[1], parts[2]);
    }

    /** The queue size: number of descriptors (a power of two). */
    public int size() {
        return size;
    }

    /** The validated guest addresses of the three rings. */
    public QueueLayout layout() {
        return layout;
    }

    // ---- descriptor table: index masked, so offset + 16 <= 16 * size. ----
    long descAddr(int i) {
        return desc.get(U64, (long) (i & mask) * DESC_SIZE + DESC_ADDR);
    }

    int descLen(int i) {
        return desc.get(U32, (long) (i & mask) * DESC_SIZE + DESC_LEN);
    }

    int descFlags(int i) {
        return Short.toUnsignedInt(desc.get(U16, (long) (i & mask) * DESC_SIZE + DESC_FLAGS));
    }

    int descNext(int i) {
        return Short.toUnsignedInt(desc.get(U16, (long) (i & mask) * DESC_SIZE + DESC_NEXT));
    }

    void writeDesc(int i, long addr, int len, int flags, int next) {
        long base = (long) (i & mask) * DESC_SIZE;
        desc.set(U64, base + DESC_ADDR, addr);
        desc.set(U32, base + DESC_LEN, len);
        desc.set(U16, base + DESC_FLAGS, (short) flags);
        desc.set(U16, base + DESC_NEXT, (short) next);
    }

    // ---- available ring: offsets 0, 2, 4 + 2*(i & mask) < 4 + 2*size, and 4 + 2*size for used_event. ----
    /** 2.7.13 / 2.7.6: acquire, so the ring entries read next are at least as new as this idx. */
    int availIdxAcquire() {
        return Short.toUnsignedInt((short) IDX.getAcquire(avail, RING_IDX));
    }

    /** Release: ring entries written before are visible before the new idx (spec 2.7.13 step 3). */
    void availIdxRelease(int idx) {
        OrderedStores.release16(avail, RING_IDX, (short) idx);
    }

    int availFlags() {
        return Short.toUnsignedInt((short) IDX.getVolatile(avail, RING_FLAGS));
    }

    void availFlags(int flags) {
        OrderedStores.volatile16(avail, RING_FLAGS, (short) flags);
    }

    int availEntry(int i) {
        return Short.toUnsignedInt(avail.get(U16, RING_ENTRIES + 2L * (i & mask)));
    }

    void availEntry(int i, int head) {
        avail.set(U16, RING_ENTRIES + 2L * (i & mask), (short) head);
    }

    int usedEvent() {
        return Short.toUnsignedInt((short) IDX.getVolatile(avail, RING_ENTRIES + 2L * size));
    }

    void usedEvent(int v) {
        OrderedStores.volatile16(avail, RING_ENTRIES + 2L * size, (short) v);
    }

    // ---- used ring: 4 + 8*(i & mask) + 8 <= 4 + 8*size, and 4 + 8*size for avail_event. ----
    int usedIdxAcquire() {
        return Short.toUnsignedInt((short) IDX.getAcquire(used, RING_IDX));
    }

    /** 2.7.8.2: used elements are written before the used idx that covers them is published. */
    void usedIdxRelease(int idx) {
        OrderedStores.release16(used, RING_IDX, (short) idx);
    }

    int usedFlags() {
        return Short.toUnsignedInt((short) IDX.getVolatile(used, RING_FLAGS));
    }

    void usedFlags(int flags) {
        OrderedStores.volatile16(used, RING_FLAGS, (short) flags);
    }

    void usedEntry(int i, int id, int len) {
        long off = RING_ENTRIES + 8L * (i & mask);
        used.set(U32, off, id);
        used.set(U32, off + 4, len);
    }

    int usedEntryId(int i) {
        return used.get(U32, RING_ENTRIES + 8L * (i & mask));
    }

    int usedEntryLen(int i) {
        return used.get(U32, RING_ENTRIES + 8L * (i & mask) + 4);
    }

    int availEvent() {
        return Short.toUnsignedInt((short) IDX.getVolatile(used, RING_ENTRIES + 8L * size));
    }

    void availEvent(int v) {
        OrderedStores.volatile16(used, RING_ENTRIES + 8L * size, (short) v);
    }

    /**
     * vring_need_event from linux/virtio_ring.h: notify if {@code eventIdx} lies in
     * [old, new), all modulo 2^16 (spec 2.7.7.2 / 2.7.10).
     */
    public static boolean needEvent(int eventIdx, int newIdx, int oldIdx) {
        return ((newIdx - eventIdx - 1) & 0xffff) < ((newIdx - oldIdx) & 0xffff);
    }
}
