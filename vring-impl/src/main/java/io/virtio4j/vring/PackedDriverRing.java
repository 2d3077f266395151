package io.virtio4j.vring;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.queue.QueueLayout;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * The driver side of a packed virtqueue, behind {@link DriverQueue} (spec 2.8.21, 2.8.22): writes
 * chains into consecutive slots from its avail position (wrapping the ring and flipping its wrap
 * counter), every descriptor's flags but each chain's first at once, the firsts at
 * {@link #publish}; reclaims used descriptors at its used position, skipping the slots the chain
 * under that id occupied. Buffer ids are handed out from a free stack; indirect tables live in one
 * slot per id of a caller-given area.
 */
final class PackedDriverRing implements DriverRing {
    private final PackedRing ring;
    private final int size;
    private final boolean eventIdx;
    private final MemorySegment indirectArea;
    private final int maxIndirect;
    private final long indirectGuestBase;
    /** Per id: ring slots its outstanding chain occupies, 0 when the id is free. */
    private final int[] idDescs;
    private final int[] freeIds;
    private int freeIdCount;
    private int freeSlots;
    private int availSlot;
    private boolean availWrap = true;
    private int usedSlot;
    private boolean usedWrap = true;
    /** First descriptors written but not yet flagged available, in add order. */
    private final int[] pendingSlot;
    private final int[] pendingFlags;
    private int pendingCount;
    /** Linear avail position at the last kick decision, and slots made available since (capped). */
    private int kickedAt;
    private int addedSinceKick;
    private long badUsed;
    private boolean broken;

    PackedDriverRing(GuestMemory memory, QueueLayout layout, long indirectAddr, int maxIndirect) {
        this.ring = PackedRing.map(memory, layout);
        this.size = ring.size;
        this.eventIdx = layout.eventIdx();
        this.maxIndirect = maxIndirect;
        this.indirectGuestBase = indirectAddr;
        this.indirectArea = maxIndirect > 0
                ? memory.slice(indirectAddr, (long) size * maxIndirect * SplitRing.DESC_SIZE)
                : MemorySegment.NULL;
        // Spec 2.8.13: the descriptor ring is zero-initialized; zeroed event structures say ENABLE.
        ring.desc.fill((byte) 0);
        ring.driverEvent.fill((byte) 0);
        ring.deviceEvent.fill((byte) 0);
        this.idDescs = new int[size];
        this.freeIds = new int[size];
        for (int i = 0; i < size; i++) {
            freeIds[i] = size - 1 - i;
        }
        this.freeIdCount = size;
        this.freeSlots = size;
        this.pendingSlot = new int[size];
        this.pendingFlags = new int[size];
    }

    @Override
    public int freeCount() {
        return freeSlots;
    }

    @Override
    public int add(long[] addr, int[] len, boolean[] writable, int count) {
        DriverQueue.checkChain(writable, count);
        if (count > freeSlots || freeIdCount == 0) {
            throw new VirtqueueException(VirtqueueException.Reason.DRIVER_MISUSE, "need " + count + " slots, " + freeSlots + " free");
        }
        int id = freeIds[--freeIdCount];
        for (int i = 0; i < count; i++) {
            int flags = PackedRing.availBits(availWrap) | (writable[i] ? SplitRing.DESC_F_WRITE : 0)
                    | (i < count - 1 ? SplitRing.DESC_F_NEXT : 0);
            // Spec 2.8.6: the id belongs in the last descriptor; Linux writes it in every one, and so do we.
            place(addr[i], len[i], id, flags, i == 0);
        }
        freeSlots -= count;
        idDescs[id] = count;
        return id;
    }

    @Override
    public int addIndirect(long[] addr, int[] len, boolean[] writable, int count) {
        DriverQueue.checkChain(writable, count);
        if (count > maxIndirect || freeSlots < 1 || freeIdCount == 0) {
            throw new VirtqueueException(VirtqueueException.Reason.DRIVER_MISUSE, "indirect chain of " + count + " does not fit");
        }
        int id = freeIds[--freeIdCount];
        long table = (long) id * maxIndirect * SplitRing.DESC_SIZE;
        for (int i = 0; i < count; i++) {
            long base = table + (long) i * SplitRing.DESC_SIZE;
            // In bounds: id < size and i < count <= maxIndirect, so base + 16 <= the area size.
            indirectArea.set(SplitRing.U64, base + PackedRing.DESC_ADDR, addr[i]);
            indirectArea.set(SplitRing.U32, base + PackedRing.DESC_LEN, len[i]);
            indirectArea.set(SplitRing.U16, base + PackedRing.DESC_ID, (short) 0);
            // Spec 2.8.8: WRITE is the only flag an indirect table's entries carry.
            indirectArea.set(SplitRing.U16, base + PackedRing.DESC_FLAGS, (short) (writable[i] ? SplitRing.DESC_F_WRITE : 0));
        }
        place(indirectGuestBase + table, count * SplitRing.DESC_SIZE, id,
                PackedRing.availBits(availWrap) | SplitRing.DESC_F_INDIRECT, true);
        freeSlots--;
        idDescs[id] = 1;
        return id;
    }

    /** Writes one descriptor at the avail position and moves it; a chain's first waits for {@link #publish}. */
    private void place(long addr, int len, int id, int flags, boolean first) {
        // In bounds: availSlot < size always (it wraps to 0 at size).
        ring.writeBody(availSlot, addr, len, id);
        if (first) {
            pendingSlot[pendingCount] = availSlot;
            pendingFlags[pendingCount] = flags;
            pendingCount++;
        } else {
            ring.flagsRelease(availSlot, flags);
        }
        addedSinceKick = Math.min(2 * size, addedSinceKick + 1);
        if (++availSlot == size) {
            availSlot = 0;
            availWrap = !availWrap;
        }
    }

    @Override
    public void publish() {
        // Spec 2.8.6 / 2.8.21: a chain's first descriptor is made available after the rest; the
        // burst's first chain last of all, so the device, polling that slot, sees the burst at once.
        for (int k = pendingCount - 1; k >= 0; k--) {
            ring.flagsRelease(pendingSlot[k], pendingFlags[k]);
        }
        pendingCount = 0;
    }

    @Override
    public boolean shouldKick() {
        int moved = addedSinceKick;
        int old = kickedAt;
        int now = PackedRing.linear(availSlot, availWrap, size);
        kickedAt = now;
        addedSinceKick = 0;
        if (moved == 0) {
            return false;
        }
        // Full fence: the flags stores before the read of the device's event structure (spec 2.8.21.3).
        VarHandle.fullFence();
        int flags = ring.deviceEventFlags();
        if (flags == PackedRing.EVENT_F_DESC && eventIdx) {
            return moved >= 2 * size || PackedRing.needEvent(ring.deviceEventOffWrap(), now, old, size);
        }
        return flags != PackedRing.EVENT_F_DISABLE;
    }

    @Override
    public int reclaim(int[] ids, int[] lens, int max) {
        int n = 0;
        while (!broken && n < max && n < ids.length) {
            // 2.8.22: acquire, so the id and len read next are those the device wrote before these flags.
            int flags = ring.flagsAcquire(usedSlot);
            if (!PackedRing.isUsed(flags, usedWrap)) {
                break;
            }
            int id = ring.id(usedSlot);
            if (id >= size || idDescs[id] == 0) {
                // The skip to the next used descriptor is the slots of this id's chain: with an id
                // we never gave there is no knowing it, so the queue stops (Linux: BAD_RING).
                badUsed++;
                broken = true;
                break;
            }
            int len = (flags & SplitRing.DESC_F_WRITE) != 0 ? ring.len(usedSlot) : 0;
            int descs = idDescs[id];
            idDescs[id] = 0;
            freeIds[freeIdCount++] = id;
            freeSlots += descs;
            usedSlot += descs;
            if (usedSlot >= size) {
                usedSlot -= size;
                usedWrap = !usedWrap;
            }
            ids[n] = id;
            lens[n] = len;
            n++;
        }
        return n;
    }

    @Override
    public void enableInterrupts(boolean enable) {
        if (enable && eventIdx) {
            // An interrupt when the device writes the used descriptor we read next (spec 2.8.10).
            ring.driverEventOffWrap(usedSlot | (usedWrap ? PackedRing.WRAP_BIT : 0));
            ring.driverEventFlags(PackedRing.EVENT_F_DESC);
        } else {
            ring.driverEventFlags(enable ? PackedRing.EVENT_F_ENABLE : PackedRing.EVENT_F_DISABLE);
        }
        VarHandle.fullFence();
    }

    @Override
    public long badUsed() {
        return badUsed;
    }

    @Override
    public int availIdx() {
        return availSlot | (availWrap ? PackedRing.WRAP_BIT : 0);
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public boolean isBroken() {
        return broken;
    }
}
