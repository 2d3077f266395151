package io.virtio4j.vring;

import io.virtio4j.api.log.RateLimitedLog;
import io.virtio4j.api.log.RateLimitedLogs;
import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.queue.QueueLayout;

import java.lang.invoke.VarHandle;

/**
 * The device side of one packed virtqueue (spec 2.8), behind {@link DeviceQueue}. Pops chains from
 * consecutive slots while the next slot's flags say available for the device's avail wrap counter;
 * keeps used descriptors in a shadow of its own and writes them at {@link #publish}: one used
 * descriptor per chain at the device's used position (the chain's first slot when chains complete
 * in order), id, len and flags in one 64-bit store (the driver cannot see the flags without the
 * id and len), all behind one release fence, and the burst's first descriptor last with release,
 * so the driver, polling that one slot, sees the whole burst at once (as DPDK's
 * vhost_flush_enqueue_shadow_packed). Single-threaded: one poller owns a queue.
 *
 * <p>The device may read only the slots it does not hold: from its used position (published)
 * to its avail position are chains popped and not yet returned, and a chain reaching past the
 * rest of the ring is hostile. Such a chain, or one running into a slot not marked available,
 * breaks the queue: nobody could say where the next chain starts. Any other bad chain goes back
 * used with len 0 (its own extent known) and is counted.
 */
final class PackedDeviceRing implements DeviceRing {
    private final String name;
    /** Where refused chains are logged, rate-limited per kind (the device\'s own, or every queue\'s). */
    private final RateLimitedLogs<ChainError> refusals;
    private final QueueCounters counters;
    private final PackedRing ring;
    private final PackedChainWalker walker;
    private final boolean eventIdx;
    private final int size;

    /** Where the next chain starts, and the device's avail wrap counter there. */
    private int availSlot;
    private boolean availWrap;
    /** Where the next used descriptor goes (published plus shadowed), and its wrap counter. */
    private int usedSlot;
    private boolean usedWrap;
    /** The used position the driver can see. */
    private int publishedSlot;
    private boolean publishedWrap;
    /** Used descriptors not yet written: id, len and position (slot with the wrap counter in bit 15). */
    private final int[] shadowId;
    private final int[] shadowLen;
    private final int[] shadowAt;
    private int shadowCount;
    /** Per buffer id: slots of the chain popped under it and not yet used, 0 when none. */
    private final int[] idDescs;
    /** The last good pops (id and slots), newest at {@code historyNext - 1}, for {@link #unpop}. */
    private final int[] historyId;
    private final int[] historyDescs;
    /** A burst's scan ({@link #scan}): the second halves of the slots it saw available, in order. */
    private final long[] scanTails;
    private int historyNext;
    private int poppedSinceRefusal;
    /** Linear used position at the last interrupt decision, and slots published since (capped). */
    private int signalledAt;
    private int publishedSinceSignal;
    private boolean broken;

    /**
     * Maps the ring; starts at {@code availPosition}/{@code usedPosition} (slot | wrap << 15).
     *
     * @throws VirtqueueException if a position names no slot, or holds more than the ring in flight
     */
    PackedDeviceRing(String name, GuestMemory memory, QueueLayout layout, int availPosition, int usedPosition,
                     QueueCounters counters, RateLimitedLogs<ChainError> refusals) {
        this.name = name;
        this.refusals = refusals;
        this.counters = counters;
        this.ring = PackedRing.map(memory, layout);
        this.size = ring.size;
        this.walker = new PackedChainWalker(ring, memory);
        this.eventIdx = layout.eventIdx();
        this.availSlot = slotOf(availPosition, "avail");
        this.availWrap = (availPosition & PackedRing.WRAP_BIT) != 0;
        this.usedSlot = slotOf(usedPosition, "used");
        this.usedWrap = (usedPosition & PackedRing.WRAP_BIT) != 0;
        this.publishedSlot = usedSlot;
        this.publishedWrap = usedWrap;
        if (inFlight() > size) {
            throw new VirtqueueException(VirtqueueException.Reason.BAD_POSITION, "used position 0x%x is more than %d behind avail 0x%x"
                    .formatted(usedPosition & 0xffff, size, availPosition & 0xffff));
        }
        this.shadowId = new int[size];
        this.shadowLen = new int[size];
        this.shadowAt = new int[size];
        this.idDescs = new int[size];
        this.historyId = new int[size];
        this.historyDescs = new int[size];
        this.scanTails = new long[size];
        this.signalledAt = linearPublished();
    }

    private int slotOf(int position, String what) {
        int slot = position & (PackedRing.WRAP_BIT - 1);
        if ((position & ~0xffff) != 0 || slot >= size) {
            throw new VirtqueueException(VirtqueueException.Reason.BAD_POSITION,
                    "%s position 0x%x: slot %d of a ring of %d".formatted(what, position, slot, size));
        }
        return slot;
    }

    @Override
    public DescriptorChain newChain() {
        return new DescriptorChain(ring.layout().indirectDesc() ? Math.max(size, DeviceQueue.INDIRECT_CHAIN_CAPACITY) : size);
    }

    /** Slots the device holds: popped chains not yet published used (0..size). */
    private int inFlight() {
        return PackedRing.ahead(PackedRing.linear(availSlot, availWrap, size), linearPublished(), size);
    }

    private int linearPublished() {
        return PackedRing.linear(publishedSlot, publishedWrap, size);
    }

    @Override
    public int pop(DescriptorChain[] chains, int max) {
        int limit = Math.min(max, chains.length);
        int n = 0;
        // The room is counted once per burst and then by the slots each step takes.
        int room = size - inFlight();
        int want = broken ? 0 : Math.min(limit, room);
        int seen = scan(want);
        // One acquire for the whole scan: every read below (the chains' addrs, their later
        // descriptors, the buffers) is ordered after the flags that made those slots available.
        VarHandle.acquireFence();
        int scanned = 0;
        // Bounded: every step consumes at least one slot, and the slots the device may read end.
        while (n < limit) {
            int step;
            if (scanned < seen) {
                // room - (seen - scanned) >= 0 stays true (both fall by the slots each chain took),
                // so room > 0 here; a walk that breaks the queue ends the loop.
                step = take(chains[n], room, scanTails[scanned]);
            } else if (seen == want) {
                // Chains of several slots used the scan up: the rest are found one by one.
                step = step(chains[n], room);
            } else {
                break; // the scan stopped at a slot not available: nothing more now
            }
            if (step < 0) {
                break;
            }
            room -= walker.descs;
            scanned += walker.descs;
            n += step;
        }
        counters.chainsPopped(n);
        return n;
    }

    /**
     * Reads the second halves of up to {@code want} slots from the avail position on, stopping at
     * the first not available for the device's wrap counter there, into {@link #scanTails}; returns
     * how many it read. Plain loads: the caller orders what follows behind one acquire fence.
     * {@code want} is at most the room the device has, so no slot it holds is read.
     */
    private int scan(int want) {
        int slot = availSlot;
        boolean wrap = availWrap;
        int seen = 0;
        while (seen < want) {
            // In bounds: slot < size: it starts so and wraps to 0 when it reaches size.
            long tail = ring.tailPlain(slot);
            if (!PackedRing.isAvailable(PackedRing.tailFlags(tail), wrap)) {
                break;
            }
            // In bounds: seen < want <= room <= size, the array's length.
            scanTails[seen++] = tail;
            if (++slot == size) {
                slot = 0;
                wrap = !wrap;
            }
        }
        return seen;
    }

    @Override
    public boolean popOne(DescriptorChain chain) {
        int room = size - inFlight();
        // Bounded: a driver publishing bad chains as fast as we refuse them cannot keep us here.
        for (int attempt = 0; attempt <= size; attempt++) {
            int step = step(chain, room);
            if (step < 0) {
                return false;
            }
            room -= walker.descs;
            if (step == 1) {
                counters.chainsPopped(1);
                return true;
            }
        }
        return false;
    }

    /**
     * Takes the chain at the avail position, {@code room} slots being the most it may occupy (the
     * ring less the slots the device holds): 1 handed out, 0 refused (and returned), -1 none or
     * broken. On 0 and 1, {@link PackedChainWalker#descs} is the slots it took.
     */
    private int step(DescriptorChain chain, int room) {
        if (broken || room <= 0) {
            return -1;
        }
        // 2.8.6: acquire, so the descriptor's addr (and the rest of the chain, written before this
        // flags store by the driver) are read after the flags that make them available; len and id
        // come in the same load as the flags.
        long tail = ring.tailAcquire(availSlot);
        if (!PackedRing.isAvailable(PackedRing.tailFlags(tail), availWrap)) {
            return -1;
        }
        return take(chain, room, tail);
    }

    /**
     * {@link #step} from the chain's first descriptor on, its second half {@code tail} read and
     * seen available (and ordered before what follows) by the caller, which also saw the queue
     * not broken and {@code room} above 0 (a scanned slot lies within the room: see {@link #pop}).
     */
    private int take(DescriptorChain chain, int room, long tail) {
        ChainError error = walker.walk(availSlot, availWrap, tail, room, chain);
        if (walker.ringError) {
            markBroken(error);
            return -1;
        }
        int id = walker.id;
        int descs = walker.descs;
        if (error == null && idDescs[id] != 0) {
            error = ChainError.ID_IN_USE;
        }
        advanceAvail(descs);
        if (error != null) {
            refuse(id, descs, error);
            return 0;
        }
        idDescs[id] = descs;
        historyId[historyNext] = id;
        historyDescs[historyNext] = descs;
        historyNext = historyNext + 1 == size ? 0 : historyNext + 1;
        if (poppedSinceRefusal < size) {
            poppedSinceRefusal++;
        }
        return 1;
    }

    private void advanceAvail(int descs) {
        availSlot += descs;
        if (availSlot >= size) {
            availSlot -= size;
            availWrap = !availWrap;
        }
    }

    private void refuse(int id, int descs, ChainError error) {
        poppedSinceRefusal = 0;
        counters.error(error);
        DeviceQueue.logRefusal(refusals, name, error, walker.lastDetail());
        // The slots are consumed either way; the used descriptor (len 0: nothing written) gives them
        // back, carrying the id the driver wrote, even one out of range: it is the driver's to judge.
        shadow(id, 0, descs);
    }

    private void markBroken(ChainError why) {
        broken = true;
        counters.error(why);
        RateLimitedLog log = refusals.of(why);
        if (log.allow()) {
            DeviceQueue.LOG.warn("{}: packed chain at slot {} (wrap {}) breaks the ring: {} (detail {}): queue broken,"
                    + " device needs reset ({} similar suppressed)",
                    name, availSlot, availWrap ? 1 : 0, why, walker.lastDetail(), log.takeSuppressed());
        }
    }

    @Override
    public boolean unpop(int count) {
        if (count < 0 || count > poppedSinceRefusal) {
            return false;
        }
        // Only chains still held may go back: one already used has a used descriptor on its way.
        for (int k = 1; k <= count; k++) {
            if (idDescs[historyId[Math.floorMod(historyNext - k, size)]] == 0) {
                return false;
            }
        }
        for (int k = 0; k < count; k++) {
            historyNext = historyNext == 0 ? size - 1 : historyNext - 1;
            int descs = historyDescs[historyNext];
            idDescs[historyId[historyNext]] = 0;
            availSlot -= descs;
            if (availSlot < 0) {
                availSlot += size;
                availWrap = !availWrap;
            }
        }
        poppedSinceRefusal -= count;
        counters.chainsPopped(-count);
        return true;
    }

    @Override
    public void addUsed(int id, long writtenBytes) {
        if (id < 0 || id >= size || idDescs[id] == 0 || writtenBytes < 0 || writtenBytes > 0xffff_ffffL) {
            counters.error(ChainError.USED_ID_INVALID);
            return;
        }
        int descs = idDescs[id];
        idDescs[id] = 0;
        shadow(id, (int) writtenBytes, descs);
    }

    private void shadow(int id, int len, int descs) {
        if (shadowCount >= size) {
            // Cannot happen: each shadowed descriptor stands for a chain the device holds, at most
            // size of them; counted rather than trusted.
            counters.error(ChainError.USED_ID_INVALID);
            return;
        }
        shadowId[shadowCount] = id;
        shadowLen[shadowCount] = len;
        shadowAt[shadowCount] = usedSlot | (usedWrap ? PackedRing.WRAP_BIT : 0);
        shadowCount++;
        usedSlot += descs;
        if (usedSlot >= size) {
            usedSlot -= size;
            usedWrap = !usedWrap;
        }
    }

    @Override
    public void publish() {
        int n = shadowCount;
        if (n == 0) {
            return;
        }
        // One release fence for the burst: what the device wrote into the buffers is visible
        // before any used descriptor of it (DPDK's vhost_flush_enqueue_shadow_packed fences once
        // too). The first used descriptor goes last, with release: until then the driver, which
        // reads used descriptors in ring order from that slot on, sees none of the burst.
        VarHandle.releaseFence();
        for (int k = 1; k < n; k++) {
            writeUsed(k, false);
        }
        writeUsed(0, true);
        int moved = PackedRing.ahead(PackedRing.linear(usedSlot, usedWrap, size), linearPublished(), size);
        publishedSinceSignal = (int) Math.min(2L * size, (long) publishedSinceSignal + (moved == 0 ? 2 * size : moved));
        publishedSlot = usedSlot;
        publishedWrap = usedWrap;
        shadowCount = 0;
    }

    private void writeUsed(int k, boolean release) {
        int at = shadowAt[k];
        int slot = at & (PackedRing.WRAP_BIT - 1);
        int len = shadowLen[k];
        // 2.8.4: WRITE in a used descriptor says the device wrote into the buffer.
        int flags = PackedRing.usedBits((at & PackedRing.WRAP_BIT) != 0) | (len != 0 ? SplitRing.DESC_F_WRITE : 0);
        // In bounds: slot < size, as every position the device keeps.
        if (release) {
            ring.writeUsed(slot, shadowId[k], len, flags);
        } else {
            ring.writeUsedPlain(slot, shadowId[k], len, flags);
        }
    }

    @Override
    public boolean needsInterrupt() {
        if (publishedSinceSignal == 0) {
            return false;
        }
        int old = signalledAt;
        int now = linearPublished();
        int moved = publishedSinceSignal;
        signalledAt = now;
        publishedSinceSignal = 0;
        // Full fence between the used flags stores and the read of the driver's event structure,
        // or the load may pass them and miss the driver re-enabling events (DPDK
        // vhost_vring_call_packed, Linux virtqueue_kick_prepare_packed).
        VarHandle.fullFence();
        int flags = ring.driverEventFlags();
        boolean want;
        if (flags == PackedRing.EVENT_F_DESC && eventIdx) {
            // A whole lap (or more) since the last decision passed every position the driver can name.
            want = moved >= 2 * size || PackedRing.needEvent(ring.driverEventOffWrap(), now, old, size);
        } else {
            // DESC without EVENT_IDX, and the reserved value 3, count as enabled: an extra
            // interrupt costs little, a missing one stalls the driver.
            want = flags != PackedRing.EVENT_F_DISABLE;
        }
        if (want) {
            counters.interruptRequested();
        }
        return want;
    }

    @Override
    public boolean enableNotification() {
        if (eventIdx) {
            // Kick when the slot we read next is made available (spec 2.8.10).
            ring.deviceEventOffWrap(availSlot | (availWrap ? PackedRing.WRAP_BIT : 0));
            ring.deviceEventFlags(PackedRing.EVENT_F_DESC);
        } else {
            ring.deviceEventFlags(PackedRing.EVENT_F_ENABLE);
        }
        // Full fence: the event structure store must be visible before the re-read of the next
        // slot's flags, or a kick the driver decided against in between is lost.
        VarHandle.fullFence();
        return hasAvailable();
    }

    @Override
    public void disableNotification() {
        ring.deviceEventFlags(PackedRing.EVENT_F_DISABLE);
    }

    @Override
    public boolean hasAvailable() {
        return !broken && inFlight() < size && PackedRing.isAvailable(ring.flagsAcquire(availSlot), availWrap);
    }

    @Override
    public int lastAvailIdx() {
        return availSlot | (availWrap ? PackedRing.WRAP_BIT : 0);
    }

    @Override
    public int usedIdx() {
        return publishedSlot | (publishedWrap ? PackedRing.WRAP_BIT : 0);
    }

    @Override
    public boolean isBroken() {
        return broken;
    }

    @Override
    public int size() {
        return size;
    }
}
