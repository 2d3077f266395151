package io.virtio4j.vring;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.queue.QueueLayout;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The three parts of a packed virtqueue (spec 2.8): the descriptor ring both sides write, and the
 * driver and device event suppression structures. Validated once and sliced once from guest
 * memory; every later access is at {@code 16 * slot} with {@code slot < size} (the callers keep
 * their positions in {@code [0, size)}; a packed queue's size need not be a power of two, so no
 * mask can stand in for that check) or at a fixed offset of a 4-byte structure. Shared by both sides.
 */
public final class PackedRing {
    /** {@code VRING_PACKED_DESC_F_AVAIL} ({@code 1 << 7}): equals the driver's wrap counter when it makes a descriptor available. */
    public static final int DESC_F_AVAIL = 1 << 7;
    /** {@code VRING_PACKED_DESC_F_USED} ({@code 1 << 15}): equals the device's wrap counter when it marks a descriptor used. */
    public static final int DESC_F_USED = 1 << 15;
    /** Event suppression flags (spec 2.8.10): events on. */
    public static final int EVENT_F_ENABLE = 0;
    /** Events off. */
    public static final int EVENT_F_DISABLE = 1;
    /** Events for one descriptor position (off_wrap), only with VIRTIO_F_EVENT_IDX. */
    public static final int EVENT_F_DESC = 2;
    /** Bit 15 of off_wrap (and of a vhost-user ring base): the wrap counter. */
    public static final int WRAP_BIT = 1 << 15;

    static final long DESC_ADDR = 0;
    static final long DESC_LEN = 8;
    static final long DESC_ID = 12;
    static final long DESC_FLAGS = 14;
    static final long EVENT_OFF_WRAP = 0;
    static final long EVENT_FLAGS = 2;

    /** Aligned 16-bit handle for the ordered flags and event accesses; checked aligned in host memory at map. */
    private static final VarHandle U16_ORDERED = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    /**
     * Aligned 64-bit handle for a descriptor's second half (len, id, flags), read or written in one
     * access; the ring is checked 8-byte aligned in host memory at map.
     */
    private static final VarHandle U64_ORDERED = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    final int size;
    final MemorySegment desc;
    final MemorySegment driverEvent;
    final MemorySegment deviceEvent;
    final QueueLayout layout;

    private PackedRing(QueueLayout layout, MemorySegment desc, MemorySegment driverEvent, MemorySegment deviceEvent) {
        this.layout = layout;
        this.size = layout.size();
        this.desc = desc;
        this.driverEvent = driverEvent;
        this.deviceEvent = deviceEvent;
    }

    /** Spec 2.8.10.1 "Structure Size and Alignment": descriptor ring 16, both event structures 4. */
    private static final Rings.Parts PARTS = new Rings.Parts("descriptor ring", 16, "driver event suppression", 4,
            "device event suppression", 4);

    /**
     * Validates a packed layout against spec 2.8 and guest memory and slices its parts.
     *
     * @throws VirtqueueException on a bad size, misalignment, or a part not inside one region
     */
    public static PackedRing map(GuestMemory memory, QueueLayout layout) {
        int size = layout.size();
        if (!layout.packed() || size < 1 || size > QueueLayout.MAX_SIZE) {
            throw new VirtqueueException(VirtqueueException.Reason.BAD_SIZE,
                    "packed queue size " + size + (layout.packed() ? "" : " (layout is not packed)"));
        }
        MemorySegment[] parts = PARTS.slice(memory, layout);
        // Flags are read and written with ordered 16-bit accesses, and a descriptor's second half
        // read with one ordered 64-bit access: they need host alignment too. The guest address is
        // 16-aligned (checked above), so only a region mapped at a host address not 8-aligned
        // relative to its guest address breaks it: no front-end known to us maps one so.
        if ((parts[0].address() & 7) != 0 || (parts[1].address() & 1) != 0 || (parts[2].address() & 1) != 0) {
            throw new VirtqueueException(VirtqueueException.Reason.MISALIGNED, "host mapping of a packed ring is misaligned");
        }
        return new PackedRing(layout, parts[0], parts[1], parts[2]);
    }

    /** The queue size: number of descriptors (any value in 1..32768). */
    public int size() {
        return size;
    }

    /** The validated guest addresses of the three parts. */
    public QueueLayout layout() {
        return layout;
    }

    /** Whether flags mark a descriptor available for a side whose wrap counter is {@code wrap} (spec 2.8.1). */
    static boolean isAvailable(int flags, boolean wrap) {
        return ((flags & DESC_F_AVAIL) != 0) == wrap && ((flags & DESC_F_USED) != 0) != wrap;
    }

    /** Whether flags mark a descriptor used for a side whose wrap counter is {@code wrap}. */
    static boolean isUsed(int flags, boolean wrap) {
        return ((flags & DESC_F_AVAIL) != 0) == wrap && ((flags & DESC_F_USED) != 0) == wrap;
    }

    /** AVAIL and USED bits of an available descriptor written with wrap counter {@code wrap}. */
    static int availBits(boolean wrap) {
        return wrap ? DESC_F_AVAIL : DESC_F_USED;
    }

    /** AVAIL and USED bits of a used descriptor written with wrap counter {@code wrap}. */
    static int usedBits(boolean wrap) {
        return wrap ? DESC_F_AVAIL | DESC_F_USED : 0;
    }

    /**
     * A position as one number in [0, 2 * size): the slot, plus size when the wrap counter is 0.
     * Both sides start at slot 0 with the counter 1 (position 0), and a lap flips the counter, so
     * positions compare modulo 2 * size the way split indices compare modulo 2^16.
     */
    static int linear(int slot, boolean wrap, int size) {
        return wrap ? slot : slot + size;
    }

    /**
     * How far linear position {@code to} is ahead of {@code from} (both in [0, 2 * size)), modulo
     * 2 * size: one subtraction and one conditional add where Math.floorMod would divide (the size
     * is no constant), and the device asks this for every chain it pops (its room in the ring).
     * Against the division the switch benchmark showed no difference beyond its noise (paired
     * rounds, 2026-12-07): the pop's time goes to the driver's cache lines, not to arithmetic.
     */
    static int ahead(int to, int from, int size) {
        int d = to - from;
        return d < 0 ? d + 2 * size : d;
    }

    // ---- descriptor ring. In bounds: every caller passes slot < size, so 16 * slot + 16 <= 16 * size. ----
    /** 2.8.6: acquire, so the descriptor's other fields read next are at least as new as its flags. */
    int flagsAcquire(int slot) {
        return Short.toUnsignedInt((short) U16_ORDERED.getAcquire(desc, 16L * slot + DESC_FLAGS));
    }

    /**
     * A descriptor's second half, len (bits 0-31), id (32-47) and flags (48-63), in one aligned
     * 64-bit load with acquire: the flags and the len and id beside them come from one instant, and
     * the descriptor's addr, read next, is at least as new as those flags (spec 2.8.6). One load
     * where three would be, for every descriptor the device pops.
     */
    long tailAcquire(int slot) {
        return (long) U64_ORDERED.getAcquire(desc, 16L * slot + DESC_LEN);
    }

    /**
     * As {@link #tailAcquire} without its acquire: a burst's scan reads its slots so and then puts
     * one {@code VarHandle.acquireFence()} between all of them and every read after
     * ({@link PackedDeviceRing#pop}), as DPDK's vhost orders a batch of four descriptors behind one
     * barrier. Still one aligned 64-bit load: the flags and the len and id beside them are read in
     * one access, and whatever the driver writes, only the values read are ever checked and used.
     */
    long tailPlain(int slot) {
        return (long) U64_ORDERED.get(desc, 16L * slot + DESC_LEN);
    }

    /** The len of a descriptor's second half as {@link #tailAcquire} read it (unsigned). */
    static long tailLen(long tail) {
        return tail & 0xffff_ffffL;
    }

    /** The buffer id of a descriptor's second half. */
    static int tailId(long tail) {
        return (int) (tail >>> 32) & 0xffff;
    }

    /** The flags of a descriptor's second half. */
    static int tailFlags(long tail) {
        return (int) (tail >>> 48);
    }

    /** Release: id, len and addr written before are visible before these flags (spec 2.8.21 step 7-8). */
    void flagsRelease(int slot, int flags) {
        OrderedStores.release16(desc, 16L * slot + DESC_FLAGS, (short) flags);
    }

    long addr(int slot) {
        return desc.get(SplitRing.U64, 16L * slot + DESC_ADDR);
    }

    int len(int slot) {
        return desc.get(SplitRing.U32, 16L * slot + DESC_LEN);
    }

    int id(int slot) {
        return Short.toUnsignedInt(desc.get(SplitRing.U16, 16L * slot + DESC_ID));
    }

    /** Writes addr, len and id; the flags are written on their own, last. */
    void writeBody(int slot, long addr, int len, int id) {
        long base = 16L * slot;
        desc.set(SplitRing.U64, base + DESC_ADDR, addr);
        desc.set(SplitRing.U32, base + DESC_LEN, len);
        desc.set(SplitRing.U16, base + DESC_ID, (short) id);
    }

    /**
     * A used descriptor (spec 2.8.4; its addr is unused): len, id and flags in one aligned 64-bit
     * store with release. The driver reads the flags first and then len and id (spec 2.8.21): one
     * store makes it impossible for it to see these flags without this len and id, which is what
     * writing them first and the flags last behind a release barrier promises, in one store
     * instead of three. Earlier stores (the buffer's bytes) are visible before it.
     */
    void writeUsed(int slot, int id, int len, int flags) {
        U64_ORDERED.setRelease(desc, 16L * slot + DESC_LEN, usedTail(id, len, flags));
    }

    /**
     * As {@link #writeUsed} without its release, for the used descriptors of a burst behind its
     * first: the caller orders them after the buffers' bytes with one release fence before them
     * ({@link PackedDeviceRing#publish}), and the driver reads none of them before it has seen the
     * burst's first, written last with release. Still one aligned 64-bit store: these flags are
     * never seen without this len and id.
     */
    void writeUsedPlain(int slot, int id, int len, int flags) {
        U64_ORDERED.set(desc, 16L * slot + DESC_LEN, usedTail(id, len, flags));
    }

    private static long usedTail(int id, int len, int flags) {
        return Integer.toUnsignedLong(len) | (long) (id & 0xffff) << 32 | (long) (flags & 0xffff) << 48;
    }

    // ---- event suppression structures: fixed offsets 0 and 2 of 4-byte slices. ----
    int driverEventFlags() {
        return Short.toUnsignedInt((short) U16_ORDERED.getVolatile(driverEvent, EVENT_FLAGS));
    }

    int driverEventOffWrap() {
        return Short.toUnsignedInt((short) U16_ORDERED.getVolatile(driverEvent, EVENT_OFF_WRAP));
    }

    void driverEventFlags(int flags) {
        OrderedStores.volatile16(driverEvent, EVENT_FLAGS, (short) flags);
    }

    void driverEventOffWrap(int offWrap) {
        OrderedStores.volatile16(driverEvent, EVENT_OFF_WRAP, (short) offWrap);
    }

    int deviceEventFlags() {
        return Short.toUnsignedInt((short) U16_ORDERED.getVolatile(deviceEvent, EVENT_FLAGS));
    }

    int deviceEventOffWrap() {
        return Short.toUnsignedInt((short) U16_ORDERED.getVolatile(deviceEvent, EVENT_OFF_WRAP));
    }

    void deviceEventFlags(int flags) {
        OrderedStores.volatile16(deviceEvent, EVENT_FLAGS, (short) flags);
    }

    void deviceEventOffWrap(int offWrap) {
        OrderedStores.volatile16(deviceEvent, EVENT_OFF_WRAP, (short) offWrap);
    }

    /**
     * Whether the other side asked for an event at a position we just passed (spec 2.8.10): its
     * {@code offWrap} names a slot and wrap counter; we moved from {@code old} to {@code now}
     * (linear positions, see {@link #linear}). vring_need_event's test, modulo 2 * size.
     */
    static boolean needEvent(int offWrap, int now, int old, int size) {
        int modulus = 2 * size;
        int event = linear(offWrap & ~WRAP_BIT, (offWrap & WRAP_BIT) != 0, size);
        return Math.floorMod(now - event - 1, modulus) < Math.floorMod(now - old, modulus);
    }
}
