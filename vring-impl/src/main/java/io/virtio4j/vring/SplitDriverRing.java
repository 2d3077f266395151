package io.virtio4j.vring;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.queue.QueueLayout;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * The driver side of a split virtqueue, behind {@link DriverQueue} (spec 2.7.13, 2.7.14). Keeps a free
 * descriptor list threaded through the NEXT fields, adds chains direct or as an indirect table
 * (one table slot per head in a caller-given area), decides whether to kick, and reclaims used
 * buffers. Single-threaded. Trusts nothing the device writes: used ids are range checked.
 */
final class SplitDriverRing implements DriverRing {
    private final SplitRing ring;
    private final MemorySegment indirectArea;
    private final int maxIndirect;
    private final long indirectGuestBase;
    private final boolean eventIdx;
    /** Descriptors each outstanding head occupies (0 = not outstanding). */
    private final int[] chainDescs;
    private int freeHead;
    private int freeCount;
    private int availIdx;
    private int kickedAvailIdx;
    private int lastUsedIdx;
    private long badUsed;

    /** Zeroes and links the rings of {@code layout} in {@code memory}; see {@link DriverQueue}. */
    SplitDriverRing(GuestMemory memory, QueueLayout layout, long indirectAddr, int maxIndirect) {
        this.ring = SplitRing.map(memory, layout);
        this.eventIdx = layout.eventIdx();
        this.maxIndirect = maxIndirect;
        this.indirectGuestBase = indirectAddr;
        this.indirectArea = maxIndirect > 0
                ? memory.slice(indirectAddr, (long) layout.size() * maxIndirect * SplitRing.DESC_SIZE)
                : MemorySegment.NULL;
        this.chainDescs = new int[layout.size()];
        ring.desc.fill((byte) 0);
        ring.avail.fill((byte) 0);
        ring.used.fill((byte) 0);
        for (int i = 0; i < layout.size(); i++) {
            ring.writeDesc(i, 0, 0, 0, i + 1);
        }
        freeHead = 0;
        freeCount = layout.size();
    }

    /** Free descriptors. */
    @Override
    public int freeCount() {
        return freeCount;
    }

    /**
     * Adds a chain of {@code count} buffers (the readable ones must come first) as direct
     * descriptors. Not visible to the device until {@link #publish()}. Returns the head.
     *
     * @throws VirtqueueException if there are not enough free descriptors or the order is wrong
     */
    @Override
    public int add(long[] addr, int[] len, boolean[] writable, int count) {
        DriverQueue.checkChain(writable, count);
        if (count > freeCount) {
            throw new VirtqueueException(VirtqueueException.Reason.DRIVER_MISUSE, "need " + count + " descriptors, " + freeCount + " free");
        }
        int head = freeHead;
        int d = head;
        for (int i = 0; i < count; i++) {
            int next = ring.descNext(d);
            boolean last = i == count - 1;
            int flags = (writable[i] ? SplitRing.DESC_F_WRITE : 0) | (last ? 0 : SplitRing.DESC_F_NEXT);
            ring.writeDesc(d, addr[i], len[i], flags, next);
            if (last) {
                freeHead = next;
            }
            d = next;
        }
        freeCount -= count;
        chainDescs[head] = count;
        makeAvailable(head);
        return head;
    }

    /** Adds a chain as one INDIRECT descriptor pointing at this head's table slot (spec 2.7.5.3). */
    @Override
    public int addIndirect(long[] addr, int[] len, boolean[] writable, int count) {
        DriverQueue.checkChain(writable, count);
        if (count > maxIndirect || freeCount < 1) {
            throw new VirtqueueException(VirtqueueException.Reason.DRIVER_MISUSE, "indirect chain of " + count + " does not fit");
        }
        int head = freeHead;
        freeHead = ring.descNext(head);
        long slot = (long) head * maxIndirect * SplitRing.DESC_SIZE;
        for (int i = 0; i < count; i++) {
            long base = slot + (long) i * SplitRing.DESC_SIZE;
            int flags = (writable[i] ? SplitRing.DESC_F_WRITE : 0) | (i < count - 1 ? SplitRing.DESC_F_NEXT : 0);
            // In bounds: head < size and i < count <= maxIndirect, so base + 16 <= the area size.
            indirectArea.set(SplitRing.U64, base + SplitRing.DESC_ADDR, addr[i]);
            indirectArea.set(SplitRing.U32, base + SplitRing.DESC_LEN, len[i]);
            indirectArea.set(SplitRing.U16, base + SplitRing.DESC_FLAGS, (short) flags);
            indirectArea.set(SplitRing.U16, base + SplitRing.DESC_NEXT, (short) (i + 1));
        }
        ring.writeDesc(head, indirectGuestBase + slot, count * SplitRing.DESC_SIZE, SplitRing.DESC_F_INDIRECT, freeHead);
        freeCount--;
        chainDescs[head] = 1;
        makeAvailable(head);
        return head;
    }

    private void makeAvailable(int head) {
        ring.availEntry(availIdx, head);
        availIdx = (availIdx + 1) & 0xffff;
    }

    /** Publishes every chain added since the last publish (spec 2.7.13 step 3: release on idx). */
    @Override
    public void publish() {
        ring.availIdxRelease(availIdx);
    }

    /**
     * Whether to notify the device for what was published since the last kick decision
     * (spec 2.7.13.4: EVENT_IDX avail_event rule, or the NO_NOTIFY flag).
     */
    @Override
    public boolean shouldKick() {
        int old = kickedAvailIdx;
        int now = availIdx;
        kickedAvailIdx = now;
        if (old == now) {
            return false;
        }
        // Full fence: idx store before reading avail_event / flags (kernel virtqueue_kick_prepare).
        VarHandle.fullFence();
        return eventIdx ? SplitRing.needEvent(ring.availEvent(), now, old)
                : (ring.usedFlags() & SplitRing.USED_F_NO_NOTIFY) == 0;
    }

    /**
     * Reclaims up to {@code max} used elements into {@code ids}/{@code lens}, freeing their
     * descriptors. Elements whose id is not an outstanding head are skipped and counted.
     */
    @Override
    public int reclaim(int[] ids, int[] lens, int max) {
        // 2.7.14: acquire on used idx before reading the elements it covers.
        int usedIdx = ring.usedIdxAcquire();
        int n = 0;
        while (lastUsedIdx != usedIdx && n < max && n < ids.length) {
            int id = ring.usedEntryId(lastUsedIdx);
            int len = ring.usedEntryLen(lastUsedIdx);
            lastUsedIdx = (lastUsedIdx + 1) & 0xffff;
            if (id < 0 || id >= chainDescs.length || chainDescs[id] == 0) {
                badUsed++;
                continue;
            }
            free(id);
            ids[n] = id;
            lens[n] = len;
            n++;
        }
        return n;
    }

    private void free(int head) {
        int count = chainDescs[head];
        chainDescs[head] = 0;
        int tail = head;
        for (int i = 1; i < count; i++) {
            tail = ring.descNext(tail);
        }
        ring.writeDesc(tail, 0, 0, 0, freeHead);
        freeHead = head;
        freeCount += count;
    }

    /** Asks for (or stops asking for) interrupts: sets used_event, or clears/sets NO_INTERRUPT. */
    @Override
    public void enableInterrupts(boolean enable) {
        if (eventIdx) {
            // Interrupt when the device uses the next element we have not seen (spec 2.7.7.2).
            ring.usedEvent(enable ? lastUsedIdx : (lastUsedIdx - 1) & 0xffff);
        } else {
            ring.availFlags(enable ? 0 : SplitRing.AVAIL_F_NO_INTERRUPT);
        }
        VarHandle.fullFence();
    }

    /** Used elements the device wrote with an id we did not hand out. */
    @Override
    public long badUsed() {
        return badUsed;
    }

    /** The driver's avail index: chains made available so far, modulo 2^16. */
    @Override
    public int availIdx() {
        return availIdx;
    }

    /** The queue size: number of descriptors. */
    @Override
    public int size() {
        return ring.size();
    }

    @Override
    public boolean isBroken() {
        // A split driver skips a used element it does not recognise and goes on.
        return false;
    }
}
