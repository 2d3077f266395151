package io.virtio4j.vring;

import io.virtio4j.api.log.RateLimitedLog;
import io.virtio4j.api.log.RateLimitedLogs;
import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.queue.QueueLayout;

import java.lang.invoke.VarHandle;

/**
 * The device side of one split virtqueue (spec 2.7), behind {@link DeviceQueue}: pops available
 * chains in bursts into caller-owned reusable {@link DescriptorChain}s, keeps used elements in a
 * shadow used ring of its own (as DPDK's vhost) and writes them to the used ring in one tight loop
 * with the used idx once per burst. Single-threaded: one poller owns a queue.
 *
 * <p>A hostile driver cannot make it throw: bad chains go back with len 0 (if the head is valid)
 * and are counted; an avail idx running away marks the queue broken (the device then sets
 * DEVICE_NEEDS_RESET) and it stops, other queues are not affected.
 */
final class SplitDeviceRing implements DeviceRing {
    private final String name;
    /** Where refused chains are logged, rate-limited per kind (the device\'s own, or every queue\'s). */
    private final RateLimitedLogs<ChainError> refusals;
    private final SplitRing ring;
    private final ChainWalker walker;
    private final QueueCounters counters;
    private final boolean eventIdx;

    private int lastAvailIdx;
    /**
     * The avail idx as last loaded (with acquire): entries [lastAvailIdx, availIdx) are known to be
     * published, so popping them needs no new load of the idx the driver keeps writing (as the
     * kernel's vhost caches vq->avail_idx). Reloaded only when every known entry is consumed.
     */
    private int availIdx;
    /**
     * Used elements added since the last publish (head, then length, per element), written to the
     * used ring only at {@link #publish}: the lines of the used ring the driver is polling are
     * then written once per burst in a tight loop, not once per chain between copies, so the
     * driver's CPU and ours pull them back and forth once per burst instead of once per frame.
     */
    private final int[] shadowUsed;
    /** Next used idx to write (published + pending), and what the driver can see. */
    private int shadowUsedIdx;
    private int publishedUsedIdx;
    /** Used idx at the last interrupt decision: vring_need_event's "old". */
    private int signalledUsedIdx;
    private boolean broken;
    /**
     * Good chains popped since the last refusal (or the queue's start): the most {@link #unpop} may
     * give back, since rewinding past a refused chain would walk and return it a second time.
     */
    private int poppedSinceRefusal;

    /** Maps the queue; starts at {@code availIdx}/{@code usedIdx} (0/0 fresh, the SET_VRING_BASE value to resume). */
    SplitDeviceRing(String name, GuestMemory memory, QueueLayout layout, int availIdx, int usedIdx, QueueCounters counters,
                    RateLimitedLogs<ChainError> refusals) {
        this.name = name;
        this.refusals = refusals;
        this.counters = counters;
        this.ring = SplitRing.map(memory, layout);
        this.walker = new ChainWalker(ring, memory);
        this.eventIdx = layout.eventIdx();
        this.lastAvailIdx = availIdx & 0xffff;
        this.availIdx = this.lastAvailIdx;
        this.shadowUsed = new int[2 * ring.size];
        this.shadowUsedIdx = usedIdx & 0xffff;
        this.publishedUsedIdx = shadowUsedIdx;
        this.signalledUsedIdx = shadowUsedIdx;
    }

    /** A reusable chain big enough for any chain this queue accepts. */
    @Override
    public DescriptorChain newChain() {
        int size = ring.size();
        return new DescriptorChain(ring.layout().indirectDesc() ? Math.max(size, DeviceQueue.INDIRECT_CHAIN_CAPACITY) : size);
    }

    /**
     * Pops up to {@code max} good chains into {@code chains[0..n)}; returns n. Bad chains are
     * returned to the driver with len 0 and counted, not handed out. Never throws for guest input.
     *
     * <p>The avail idx is loaded at most once per burst, and only when the entries known from the
     * last load are used up. Ordering (spec 2.7.13, Linux virtio_ring/vhost): the driver writes the
     * descriptors and ring entries, then the idx with release; our acquire load of the idx orders
     * every later read of entries below it (and the descriptors they name) after it, so entries
     * [lastAvailIdx, availIdx) read at any later time are at least as new as that load saw them.
     */
    @Override
    public int pop(DescriptorChain[] chains, int max) {
        int limit = Math.min(max, chains.length);
        int pending = pending();
        int n = 0;
        while (pending > 0 && n < limit) {
            pending--;
            if (takeNext(chains[n])) {
                n++;
            }
        }
        // Counted once per burst, not per chain.
        counters.chainsPopped(n);
        return n;
    }

    /**
     * Entries published and not yet popped: from the cached avail idx while it covers any, else
     * from one new acquire load. 0 once broken; a load that runs more than the queue size ahead
     * (a hostile or broken driver) marks the queue broken.
     */
    private int pending() {
        if (broken) {
            return 0;
        }
        int known = (availIdx - lastAvailIdx) & 0xffff;
        if (known != 0) {
            return known;
        }
        int loaded = ring.availIdxAcquire(); // 2.7.13: idx (acquire) before the entries it covers
        int pending = (loaded - lastAvailIdx) & 0xffff;
        if (pending > ring.size) {
            markBroken(loaded);
            return 0;
        }
        availIdx = loaded;
        return pending;
    }

    /** Pops one chain into {@code chain}; false if none (or the queue is broken). */
    @Override
    public boolean popOne(DescriptorChain chain) {
        // Bounded: a driver publishing bad chains as fast as we refuse them cannot keep us here.
        for (int attempt = 0; attempt <= ring.size; attempt++) {
            if (pending() == 0) {
                return false;
            }
            if (takeNext(chain)) {
                counters.chainsPopped(1);
                return true;
            }
        }
        return false;
    }

    /**
     * Walks the next available chain into {@code chain}, which {@link #pending()} said is there:
     * true if it is good, false if it was refused (returned used with length 0 and counted).
     */
    private boolean takeNext(DescriptorChain chain) {
        int head = ring.availEntry(lastAvailIdx);
        lastAvailIdx = (lastAvailIdx + 1) & 0xffff;
        ChainError error = walker.walk(head, chain);
        if (error == null) {
            poppedGood();
            return true;
        }
        refuse(head, error);
        return false;
    }

    /**
     * Gives back the last {@code count} chains popped, unused: they stay available and the next pop
     * returns them again (as DPDK's vhost leaves reserved but unfilled RX descriptors for the next
     * burst). Only chains popped since the last refusal can be given back, and only before anything
     * else was added to the used ring for them; returns false (and gives nothing back) otherwise, and
     * the caller then returns them used with length 0.
     */
    @Override
    public boolean unpop(int count) {
        if (count < 0 || count > poppedSinceRefusal) {
            return false;
        }
        lastAvailIdx = (lastAvailIdx - count) & 0xffff;
        poppedSinceRefusal -= count;
        counters.chainsPopped(-count);
        return true;
    }

    /**
     * Counts a good chain for {@link #unpop}, capped at the ring size (more than a caller could
     * ever give back), so a queue that runs for years without a refusal never overflows it.
     */
    private void poppedGood() {
        if (poppedSinceRefusal < ring.size) {
            poppedSinceRefusal++;
        }
    }

    private void refuse(int head, ChainError error) {
        poppedSinceRefusal = 0;
        counters.error(error);
        DeviceQueue.logRefusal(refusals, name, error, walker.lastDetail);
        if (head < ring.size) {
            // Spec 2.7.8: the device returns the buffer; len 0 tells the driver nothing was written.
            writeUsed(head, 0);
        }
    }

    private void markBroken(int availIdx) {
        broken = true;
        counters.error(ChainError.AVAIL_INDEX_RUNAWAY);
        RateLimitedLog log = refusals.of(ChainError.AVAIL_INDEX_RUNAWAY);
        if (log.allow()) {
            DeviceQueue.LOG.warn("{}: avail idx {} is more than {} ahead of last_avail_idx {}: queue broken, device needs reset"
                    + " ({} similar suppressed)", name, availIdx, ring.size, lastAvailIdx, log.takeSuppressed());
        }
    }

    /** Puts head {@code head} with {@code writtenBytes} on the used ring; refused if head is out of range. */
    @Override
    public void addUsed(int head, long writtenBytes) {
        // A ring's worth of unpublished elements is refused (and counted) by writeUsed.
        if (head < 0 || head >= ring.size || writtenBytes < 0 || writtenBytes > 0xffff_ffffL) {
            counters.error(ChainError.USED_ID_INVALID);
            return;
        }
        writeUsed(head, (int) writtenBytes);
    }

    private void writeUsed(int head, int len) {
        int pending = (shadowUsedIdx - publishedUsedIdx) & 0xffff;
        if (pending >= ring.size) {
            // More than a ring of unpublished elements: only a driver re-publishing heads while we
            // refuse them gets here. The element is dropped (the ring could not hold it anyway).
            counters.error(ChainError.USED_ID_INVALID);
            return;
        }
        shadowUsed[2 * pending] = head;
        shadowUsed[2 * pending + 1] = len;
        shadowUsedIdx = (shadowUsedIdx + 1) & 0xffff;
    }

    /** Makes every used element added since the last publish visible, with one idx store. */
    @Override
    public void publish() {
        int pending = (shadowUsedIdx - publishedUsedIdx) & 0xffff;
        if (pending != 0) {
            int at = publishedUsedIdx;
            for (int i = 0; i < pending; i++) {
                ring.usedEntry(at + i, shadowUsed[2 * i], shadowUsed[2 * i + 1]);
            }
            // 2.7.8.2 / kernel virtio_ring: release orders the used elements before the idx.
            ring.usedIdxRelease(shadowUsedIdx);
            publishedUsedIdx = shadowUsedIdx;
        }
    }

    /**
     * Whether the driver wants an interrupt for what was published since the last call
     * (spec 2.7.7.2 / vring_need_event). Call after {@link #publish()}.
     */
    @Override
    public boolean needsInterrupt() {
        int old = signalledUsedIdx;
        int now = publishedUsedIdx;
        if (old == now) {
            return false;
        }
        signalledUsedIdx = now;
        // Full fence between publishing used idx and reading used_event / flags: otherwise the
        // load may pass the store and we miss the driver re-enabling interrupts (kernel
        // virtqueue_kick_prepare / vhost_notify use smp_mb here).
        VarHandle.fullFence();
        boolean want = eventIdx
                ? SplitRing.needEvent(ring.usedEvent(), now, old)
                : (ring.availFlags() & SplitRing.AVAIL_F_NO_INTERRUPT) == 0;
        if (want) {
            counters.interruptRequested();
        }
        return want;
    }

    /**
     * Asks the driver to kick again, then re-checks the avail idx so a kick sent before the
     * request was seen is not lost. Returns whether more work is already available.
     */
    @Override
    public boolean enableNotification() {
        if (eventIdx) {
            ring.availEvent(lastAvailIdx);
        } else {
            ring.usedFlags(ring.usedFlags() & ~SplitRing.USED_F_NO_NOTIFY);
        }
        // Full fence: the avail_event / flags store must be visible before we re-read avail idx
        // (spec 2.7.10 and vhost_enable_notify's smp_mb).
        VarHandle.fullFence();
        return !broken && ring.availIdxAcquire() != lastAvailIdx;
    }

    /** Tells the driver kicks are not needed while we poll (without EVENT_IDX; with it, a no-op). */
    @Override
    public void disableNotification() {
        if (!eventIdx) {
            ring.usedFlags(ring.usedFlags() | SplitRing.USED_F_NO_NOTIFY);
        }
    }

    /** Whether the driver made chains available we have not popped (false once broken). */
    @Override
    public boolean hasAvailable() {
        return !broken && (availIdx != lastAvailIdx || ring.availIdxAcquire() != lastAvailIdx);
    }

    /** last_avail_idx: what GET_VRING_BASE returns. */
    @Override
    public int lastAvailIdx() {
        return lastAvailIdx;
    }

    /** The used idx the driver can see. */
    @Override
    public int usedIdx() {
        return publishedUsedIdx;
    }

    /** True after the driver broke the ring's invariants; the device must set DEVICE_NEEDS_RESET. */
    @Override
    public boolean isBroken() {
        return broken;
    }

    @Override
    public int size() {
        return ring.size();
    }
}
