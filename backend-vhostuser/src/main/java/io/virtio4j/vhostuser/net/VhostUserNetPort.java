package io.virtio4j.vhostuser.net;

import io.virtio4j.vhostuser.BackendConfig;
import io.virtio4j.vhostuser.protocol.RingListener;
import io.virtio4j.vhostuser.protocol.VringState;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import io.virtio4j.api.counters.CounterSet;
import io.virtio4j.api.log.RateLimitedLogs;
import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestMemoryException;
import io.virtio4j.api.notify.EpollPoller;
import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.api.platform.NativeException;
import io.virtio4j.vring.ChainCursor;
import io.virtio4j.vring.ChainError;
import io.virtio4j.vring.DescriptorChain;
import io.virtio4j.vring.DeviceQueue;
import io.virtio4j.vring.QueueCounters;

import org.agrona.concurrent.status.CountersManager;

/**
 * A virtio-net port over a vhost-user session: frames the front-end transmits (its TX rings, odd
 * indices) are handed to a {@link FrameHandler}; frames given to {@link #send} go into its RX rings
 * (even indices) behind a virtio-net header. Polled: the caller's thread runs the bursts; the
 * session thread starts and stops rings through {@link RingListener}, each under the ring's lock.
 *
 * <p>A switch uses the in-place API instead: {@link #receiveInPlace} hands out TX chains where they
 * lie in guest memory, {@link #deliver} copies a frame once into an RX chain (from another guest's
 * chain or from a host buffer), and {@link #flush} publishes a burst's used entries with one index
 * store and at most one interrupt per ring, handed to the session's signaller thread (which writes
 * the call fd: the data path never does, as a front-end can make that write block).
 * {@link #registerKick} and {@link #enableKicks} let an idle poller sleep on the TX rings' kick
 * eventfds.
 *
 * <p>Tested by (behaviour tests, backend-vhostuser): {@code NetPortTest} (send and receive against
 * an in-process driver over a shared memfd), {@code InPlaceDeliveryTest} (the in-place API between
 * two guests over real sockets), {@code MergedRxTest} (MRG_RXBUF), {@code BlockingCallFdTest} (a
 * call fd that blocks), {@code GuestNicReentrancyTest}, {@code VhostUserNetDeviceTest} and
 * {@code FrontendRoleTest} (our front-end as its peer), {@code TestpmdPeerTest} and
 * {@code TestpmdReconnectTest} (dpdk-testpmd as its peer); in switch-ovs, as a switch port, by
 * {@code VhostUserSwitchTest}, {@code VhostUserPortFairnessTest} and
 * {@code VhostUserPortConcurrentTransmitTest}.
 */
public final class VhostUserNetPort implements RingListener {
    /** struct virtio_net_hdr_mrg_rxbuf: 12 bytes with VERSION_1 or MRG_RXBUF, else 10. */
    static final int HDR_V1 = 12;
    static final int HDR_LEGACY = 10;
    private static final int NUM_BUFFERS = 10;
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final int RARP_FRAME = 60;
    /**
     * The most RX chains one frame is merged over (MRG_RXBUF): a 64 KB TSO super-frame in the
     * 1518-byte buffers a Linux guest posts at least takes 44, in 1 KB buffers 64; a driver posting
     * tiny buffers costs its own frames (dropped), not a walk of the ring.
     */
    static final int MAX_MERGED = 64;
    /**
     * The largest frame a port can be made for: a TSO super-frame, an IP datagram of 65535 bytes
     * behind an Ethernet header and an 802.1Q tag.
     */
    public static final int MAX_GSO_FRAME = 65535 + 14 + 4;
    /** The shortest frame the in-place path accepts: an Ethernet header. */
    private static final int ETH_HEADER = 14;
    private final Slot[] slots;
    /** A RARP announcement waiting for an RX buffer on queue pair 0, or null. */
    private volatile MemorySegment pendingAnnouncement;
    /** Whether announcements go to {@link #takeAnnouncement} (a switch's port) instead of the RX ring. */
    private volatile boolean announcementsTransmitted;
    /** An announcement waiting for {@link #takeAnnouncement}, or null. */
    private final java.util.concurrent.atomic.AtomicReference<MemorySegment> transmittedAnnouncement =
            new java.util.concurrent.atomic.AtomicReference<>();
    private final int maxFrame;
    /** Names this port's rings in log lines ({@code NAME:vringN}). */
    private final String name;
    /**
     * This port's refused-chain log limiters, kept across its front-ends' sessions: a front-end
     * reconnecting in a loop gets no fresh lines, and a hostile one on another port cannot turn this
     * port's lines into "N similar suppressed" (issue 13, item 5).
     */
    private final RateLimitedLogs<ChainError> refusals = DeviceQueue.refusalLogs();

    /** The lock and current queue of one ring. */
    private static final class Slot {
        ActiveQueue active;
        int headerLength;
        boolean mergeable;
        /** Host buffer for TX frames (header + frame), allocated once. */
        final MemorySegment frameBuffer;
        /** Bytes written into each chain of the frame being sent. */
        final long[] usedLengths = new long[ActiveQueue.BURST];
        /** A zeroed header for RX, num_buffers patched per frame. */
        final MemorySegment header;
        /** The header of every frame {@link #deliver} writes: zero, num_buffers 1 (its first 10 bytes are the legacy header). */
        final MemorySegment oneBufferHeader;
        /**
         * The ring's lock: held by the session thread to start or stop the ring, and by the one
         * poller using it for a whole burst (never per frame: see {@link #holdTx} and {@link #openRx}).
         * A ReentrantLock, not a monitor, because a burst's hold spans calls.
         */
        final ReentrantLock lock = new ReentrantLock();
        /**
         * This ring's frames handed over (TX) or put in (RX), and dropped ({@link NetPortCounter}):
         * written only by the lock's holder with release stores (no atomic add per frame; the lock
         * orders one holder's stores before the next's), read by anyone without taking the lock,
         * so a monitor never delays the ring's writer.
         */
        final CounterSet<NetPortCounter> frames;
        /**
         * RX chains reserved for an {@link #openRx} burst: {@code chains[rxNext .. rxReserved)} of
         * the active queue are popped and not yet filled; {@code rxWanted} more may be popped for it.
         */
        int rxNext;
        int rxReserved;
        int rxWanted;
        /**
         * Per reserved chain, whether its virtio-net header is written already (and so its buffer
         * mapped for {@link ActiveQueue#writeFrame}); and the index of the chain handed out last
         * if it was, else -1.
         */
        final boolean[] rxHeaderWritten = new boolean[ActiveQueue.BURST];
        int rxCurrent = -1;
        /**
         * A frame merged over several RX chains (MRG_RXBUF): their heads and the bytes written
         * into each, kept by head rather than chain object because a longer frame may pop the
         * next reserved group into the same chain objects.
         */
        final int[] mergeHeads = new int[MAX_MERGED];
        final long[] mergeLengths = new long[MAX_MERGED];
        /**
         * The offload header ({@link #offloadNext}) the next {@link #deliverHeld} of this RX ring
         * writes instead of zeros, or null; each delivery takes it, so it applies to one frame.
         */
        MemorySegment offloadHeader;
        /** TX chains popped by {@link #holdTx} and not yet released (0: nothing held). */
        int popped;
        /** Of those, the frames handed out: their index in the queue's chains and their length. */
        int held;
        final int[] heldIndex = new int[ActiveQueue.BURST];
        final long[] heldLength = new long[ActiveQueue.BURST];
        /** The held frames as the holder reads them (see {@link #heldFrames}). */
        final HeldFrames heldView = new HeldFrames(heldIndex, heldLength);
        /** Copies a TX frame into {@link #frameBuffer} for {@link #receive}'s handler. */
        final CopyingHandler copying = new CopyingHandler(this);
        /** Counts ring starts, so a poller knows when the kick fd it registered is stale. */
        final AtomicLong generation = new AtomicLong();
        /**
         * Chains refused per {@link ChainError} by this ring's stopped queues (each start makes a new
         * queue with counters from zero). Written under the lock when a ring stops; read by anyone.
         */
        final CounterSet<ChainError> retiredErrors;

        Slot(Arena arena, int maxFrame, CountersManager counters, String prefix, CountersManager retired, int index) {
            retiredErrors = CounterSet.allocate(retired, "vring" + index + ":retired_", ChainError.class);
            frames = CounterSet.allocate(counters, prefix + "vring" + index + ":", NetPortCounter.class);
            frameBuffer = arena.allocate(HDR_V1 + maxFrame, 8);
            header = arena.allocate(HDR_V1, 8);
            oneBufferHeader = arena.allocate(HDR_V1, 8);
            // In bounds: NUM_BUFFERS + 2 <= HDR_V1, the segment's size.
            oneBufferHeader.set(LE_SHORT, NUM_BUFFERS, (short) 1);
        }

        /** Frees the ring's frame counters in their manager (the retired errors' manager is the port's own). */
        void freeCounters() {
            frames.close();
        }

        void countReceived(long n) {
            frames.addRelease(NetPortCounter.RECEIVED, n);
        }

        void countSent(long n) {
            frames.addRelease(NetPortCounter.SENT, n);
        }

        void countDropped(long n) {
            frames.addRelease(NetPortCounter.DROPPED, n);
        }

        /**
         * Frames put into (or dropped at) this RX ring by deliveries under its lock, added to
         * {@link #frames} once when the lock is given up ({@link #addTallies}): one counter store
         * per burst and kind, not one per frame.
         */
        private long tallySent;
        private long tallyDropped;

        void tallySent() {
            tallySent++;
        }

        void tallyDropped() {
            tallyDropped++;
        }

        /** Adds the tallies to the counters; called by the lock's holder before it unlocks. */
        void addTallies() {
            if (tallySent != 0) {
                countSent(tallySent);
                tallySent = 0;
            }
            if (tallyDropped != 0) {
                countDropped(tallyDropped);
                tallyDropped = 0;
            }
        }
    }

    private static final ChainError[] CHAIN_ERRORS = ChainError.values();
    /** Frame counters per ring ({@link NetPortCounter}), in the manager the port is given. */
    private static final int FRAME_COUNTERS_PER_RING = NetPortCounter.values().length;

    /** Adapts the in-place burst to {@link FrameHandler}: one copy into the slot's frame buffer. */
    private static final class CopyingHandler implements InPlaceFrameHandler {
        private final Slot slot;
        /** Reads the frame out of the chain; the slot's lock holder is its one user. */
        private final ChainCursor frame = new ChainCursor();
        FrameHandler target;

        CopyingHandler(Slot slot) {
            this.slot = slot;
        }

        @Override
        public void frame(GuestMemory memory, DescriptorChain chain, long offset, long length) {
            // In bounds: offset + length <= header + maxFrame, the frame buffer's size.
            frame.readable(memory, chain).read(slot.frameBuffer, 0, offset + length);
            target.frame(slot.frameBuffer, offset, length);
        }
    }

    /** A port with {@code queuePairs} RX/TX pairs accepting frames up to {@code maxFrame} bytes. */
    public VhostUserNetPort(int queuePairs, int maxFrame) {
        this("vhost-user", queuePairs, maxFrame);
    }

    /** As {@link #VhostUserNetPort(int, int)}, its rings named after {@code name} in log lines. */
    public VhostUserNetPort(String name, int queuePairs, int maxFrame) {
        this(name, queuePairs, maxFrame, CounterSet.privateManager(2 * queuePairs * FRAME_COUNTERS_PER_RING), "");
    }

    /**
     * As {@link #VhostUserNetPort(String, int, int)}, each ring's frame counters
     * ({@link NetPortCounter}) allocated in {@code counters} (a switch's counters file) as
     * {@code <prefix>vring<N>:<label>}, all or none. The chain errors of a ring's stopped queues
     * stay in a private manager: they are only part of a sum ({@link #chainErrors}), which the
     * switch shows, and would take 15 slots per ring of a shared file. The owner frees the frame
     * counters with {@link #freeCounters} once nothing uses the port any more.
     *
     * @throws IllegalStateException if {@code counters} has no room for them (none are left allocated)
     */
    public VhostUserNetPort(String name, int queuePairs, int maxFrame, CountersManager counters, String prefix) {
        this.name = java.util.Objects.requireNonNull(name, "name");
        if (maxFrame < 60 || maxFrame > MAX_GSO_FRAME) {
            throw new IllegalArgumentException("max frame " + maxFrame);
        }
        this.maxFrame = maxFrame;
        Arena arena = Arena.ofAuto();
        this.slots = new Slot[2 * queuePairs];
        CountersManager retired = CounterSet.privateManager(slots.length * CHAIN_ERRORS.length);
        try {
            for (int i = 0; i < slots.length; i++) {
                slots[i] = new Slot(arena, maxFrame, counters, prefix, retired, i);
            }
        } catch (RuntimeException e) {
            freeCounters();
            throw e;
        }
    }

    /**
     * Frees every ring's frame counters in their manager (their slots may then go to another owner).
     * Only once no session and no poller uses the port any more: a count after this would land in
     * whatever counter reuses the slot. Idempotent.
     */
    public void freeCounters() {
        for (Slot slot : slots) {
            if (slot != null) {
                slot.freeCounters();
            }
        }
    }

    @Override
    public void ringStarted(VringState ring, GuestMemory memory, long features) {
        if (ring.index() >= slots.length) {
            return;
        }
        Slot slot = slots[ring.index()];
        ActiveQueue q = new ActiveQueue(name + ":vring" + ring.index(), ring, memory, features, refusals);
        slot.lock.lock();
        try {
            slot.mergeable = (features & BackendConfig.VIRTIO_NET_F_MRG_RXBUF) != 0;
            slot.headerLength = slot.mergeable || (features & BackendConfig.VIRTIO_F_VERSION_1) != 0 ? HDR_V1 : HDR_LEGACY;
            slot.active = q;
            slot.rxNext = 0;
            slot.rxReserved = 0;
            slot.rxWanted = 0;
            slot.generation.incrementAndGet();
        } finally {
            slot.lock.unlock();
        }
        Runnable hook = ringStartedHook;
        if (hook != null) {
            hook.run();
        }
    }

    /** A port's poller sleeping on kick fds must hear of a ring start to watch the new kick fd. */
    private volatile Runnable ringStartedHook;

    /** Runs {@code hook} (on the session thread, cheaply: e.g. an epoll wakeup) after every ring start. */
    public void onRingStarted(Runnable hook) {
        this.ringStartedHook = hook;
    }

    @Override
    public int ringStopped(VringState ring) {
        if (ring.index() >= slots.length) {
            return ring.base();
        }
        Slot slot = slots[ring.index()];
        slot.lock.lock();
        try {
            ActiveQueue q = slot.active;
            slot.active = null;
            if (q == null) {
                return ring.base();
            }
            // After active is cleared: a reader of chainErrors may briefly miss them, never count them twice.
            QueueCounters counters = q.queue.counters();
            for (ChainError e : CHAIN_ERRORS) {
                slot.retiredErrors.addRelease(e, counters.errors(e));
            }
            q.release();
            return q.lastAvailIdx();
        } finally {
            slot.lock.unlock();
        }
    }

    /**
     * Queues a RARP frame from {@code mac} (what QEMU's and DPDK's announce send: broadcast,
     * ethertype 0x8035, reverse request, sender and target hardware address = mac). By default it
     * goes into this front-end's own RX ring, on queue pair 0 ahead of the next frames sent there
     * (an embedding VMM without a switch has nothing else to send it to). After
     * {@link #announceAsTransmitted()} it waits for {@link #takeAnnouncement()} instead.
     */
    @Override
    public void announce(byte[] mac) {
        MemorySegment f = Arena.ofAuto().allocate(RARP_FRAME);
        f.asSlice(0, 6).fill((byte) 0xFF);
        MemorySegment.copy(mac, 0, f, ValueLayout.JAVA_BYTE, 6, 6);
        ValueLayout.OfShort be = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
        f.set(be, 12, (short) 0x8035); // ETH_P_RARP
        f.set(be, 14, (short) 1);      // hardware type: Ethernet
        f.set(be, 16, (short) 0x0800); // protocol: IPv4
        f.set(ValueLayout.JAVA_BYTE, 18, (byte) 6);
        f.set(ValueLayout.JAVA_BYTE, 19, (byte) 4);
        f.set(be, 20, (short) 3);      // ARPOP_RREQUEST
        MemorySegment.copy(mac, 0, f, ValueLayout.JAVA_BYTE, 22, 6);
        MemorySegment.copy(mac, 0, f, ValueLayout.JAVA_BYTE, 32, 6);
        if (announcementsTransmitted) {
            transmittedAnnouncement.set(f);
        } else {
            pendingAnnouncement = f;
        }
    }

    /**
     * From now on a SEND_RARP announcement is not put into this front-end's RX ring but kept for
     * {@link #takeAnnouncement()}: a switch injects it as if the guest had transmitted it (as DPDK's
     * vhost library does), so its FDB learns the MAC on this port and the other ports receive it.
     */
    public void announceAsTransmitted() {
        announcementsTransmitted = true;
    }

    /**
     * The announcement frame (60 bytes) waiting since the last call, or null; each is returned once.
     * One volatile read when there is none: a poller may call it once per burst.
     */
    public MemorySegment takeAnnouncement() {
        return transmittedAnnouncement.get() == null ? null : transmittedAnnouncement.getAndSet(null);
    }

    /** Whether both rings of pair {@code pair} are running. */
    public boolean ready(int pair) {
        return slots[2 * pair].active != null && slots[2 * pair + 1].active != null;
    }

    /**
     * Takes up to {@code max} frames from the front-end's TX ring of {@code pair} and hands each to
     * {@code handler}, copied into a host buffer. Returns how many frames were handed over.
     */
    public int receive(int pair, FrameHandler handler, int max) {
        Slot slot = slots[2 * pair + 1];
        slot.lock.lock();
        try {
            slot.copying.target = handler;
            try {
                return takeBurst(slot, slot.copying, max, 1);
            } finally {
                slot.copying.target = null;
            }
        } finally {
            slot.lock.unlock();
        }
    }

    /**
     * Puts frames {@code frames[0..count)} ({@code lengths[i]} bytes each) into the front-end's RX
     * ring of {@code pair}. Returns how many were delivered; the rest found no buffers.
     */
    public int send(int pair, MemorySegment[] frames, long[] lengths, int count) {
        Slot slot = slots[2 * pair];
        slot.lock.lock();
        try {
            ActiveQueue q = slot.active;
            if (q == null) {
                return 0;
            }
            int delivered = 0;
            sendAnnouncement(pair, slot, q);
            for (int f = 0; f < count; f++) {
                if (lengths[f] <= 0 || lengths[f] > maxFrame || lengths[f] > frames[f].byteSize()) {
                    slot.countDropped(1);
                    continue;
                }
                if (!q.queue.hasAvailable()) {
                    break;
                }
                if (sendOne(slot, q, frames[f], lengths[f])) {
                    delivered++;
                } else {
                    slot.countDropped(1);
                }
            }
            q.publishAndNotify();
            slot.countSent(delivered);
            return delivered;
        } finally {
            slot.lock.unlock();
        }
    }

    /**
     * Writes one frame into one chain, or with MRG_RXBUF into as many as it needs (at most a
     * burst's worth). A frame that does not fit returns its chains with len 0.
     */
    private boolean sendOne(Slot slot, ActiveQueue q, MemorySegment frame, long length) {
        int hdr = slot.headerLength;
        long[] usedLen = slot.usedLengths;
        long frameDone = 0;
        int buffers = 0;
        boolean complete = false;
        try {
            while (buffers < q.chains.length && (buffers == 0 || slot.mergeable)) {
                DescriptorChain chain = q.chains[buffers];
                if (!q.queue.popOne(chain)) {
                    break;
                }
                long offset = buffers == 0 ? hdr : 0;
                buffers++;
                if (chain.writableBytes() < offset) {
                    usedLen[buffers - 1] = 0;
                    break;
                }
                ChainCursor w = q.writer.writable(q.memory, chain);
                w.skip(offset);
                long wrote = w.write(frame, frameDone, length - frameDone);
                usedLen[buffers - 1] = offset + wrote;
                frameDone += wrote;
                if (frameDone == length) {
                    complete = true;
                    break;
                }
            }
            if (complete) {
                slot.header.fill((byte) 0);
                if (hdr == HDR_V1) {
                    slot.header.set(LE_SHORT, NUM_BUFFERS, (short) buffers);
                }
                // In bounds: the header segment holds HDR_V1 >= hdr bytes; the first chain was checked to hold hdr.
                q.writer.writable(q.memory, q.chains[0]).write(slot.header, 0, hdr);
            }
        } catch (GuestMemoryException e) {
            complete = false;
        }
        for (int i = 0; i < buffers; i++) {
            q.queue.addUsed(q.chains[i], complete ? usedLen[i] : 0);
        }
        return complete;
    }

    /** Queue pairs this port serves. */
    public int queuePairs() {
        return slots.length / 2;
    }

    /**
     * Takes up to {@code max} frames from the front-end's TX ring of {@code pair} and hands each to
     * {@code handler} in place (no copy). A chain too short to hold a header and an Ethernet header,
     * or longer than header + max frame, is returned unread and counted dropped. Every chain of the
     * burst goes back on the used ring after the handler ran, with one used-index store and at most
     * one interrupt. Returns how many frames were handed over.
     */
    public int receiveInPlace(int pair, InPlaceFrameHandler handler, int max) {
        return takeBurst(slots[2 * pair + 1], handler, max, ETH_HEADER);
    }

    /**
     * One TX burst: pops up to {@code max} chains, hands each frame of {@code minFrame} to
     * maxFrame bytes to {@code handler} (others are dropped unread), then returns every chain used
     * with one publish and at most one call. A handler's failure is rethrown after the burst is
     * complete, so no chain is stranded off the used ring.
     */
    private int takeBurst(Slot slot, InPlaceFrameHandler handler, int max, long minFrame) {
        slot.lock.lock();
        try {
            ActiveQueue q = slot.active;
            if (q == null) {
                return 0;
            }
            int n = q.queue.pop(q.chains, Math.min(max, ActiveQueue.BURST));
            int delivered = 0;
            RuntimeException handlerFailure = null;
            for (int i = 0; i < n; i++) {
                DescriptorChain chain = q.chains[i];
                long length = chain.readableBytes() - slot.headerLength;
                if (length < minFrame || length > maxFrame) {
                    slot.countDropped(1);
                    continue;
                }
                try {
                    handler.frame(q.memory, chain, slot.headerLength, length);
                    delivered++;
                } catch (GuestMemoryException e) {
                    // The front-end remapped memory under a popped chain: its frame is lost, not the burst.
                    slot.countDropped(1);
                } catch (RuntimeException e) {
                    slot.countDropped(1);
                    handlerFailure = handlerFailure == null ? e : handlerFailure;
                }
            }
            for (int i = 0; i < n; i++) {
                q.queue.addUsed(q.chains[i], 0);
            }
            // Every burst, even one that popped no good chain: refused chains are already on the
            // (shadow) used ring, and a driver whose chains are all bad must still get them back.
            q.publishAndNotify();
            slot.countReceived(delivered);
            if (handlerFailure != null) {
                throw handlerFailure;
            }
            return delivered;
        } finally {
            slot.lock.unlock();
        }
    }

    /**
     * Holds a TX burst of {@code pair} for a caller that processes it as a batch: pops up to
     * {@code max} chains and keeps the frames of an Ethernet header to max frame bytes (the others
     * are counted dropped and go back unread at release). The calling thread holds the ring until
     * {@link #releaseTx}, which it must call exactly when this returns more than 0: one lock per
     * burst, so a stop waits for the burst instead of freeing chains under it. The held frames are
     * {@link #heldChain}/{@link #heldLength} 0 .. n-1, in {@link #heldMemory}, starting
     * {@link #heldOffset} bytes into their chain.
     */
    public int holdTx(int pair, int max) {
        Slot slot = slots[2 * pair + 1];
        slot.lock.lock();
        boolean holding = false;
        try {
            if (slot.popped != 0) {
                throw new IllegalStateException("TX ring of pair " + pair + " held twice");
            }
            ActiveQueue q = slot.active;
            if (q == null) {
                return 0;
            }
            int n = q.queue.pop(q.chains, Math.min(max, ActiveQueue.BURST));
            q.touch(n, slot.headerLength);
            int held = 0;
            for (int i = 0; i < n; i++) {
                long length = q.chains[i].readableBytes() - slot.headerLength;
                if (length < ETH_HEADER || length > maxFrame) {
                    continue;
                }
                slot.heldIndex[held] = i;
                slot.heldLength[held++] = length;
            }
            slot.countDropped(n - held);
            slot.popped = n;
            slot.held = held;
            if (held == 0) {
                // Nothing to hand out: the refused chains go back now.
                completeTx(slot, q, 0);
                return 0;
            }
            holding = true;
            return held;
        } finally {
            if (!holding) {
                slot.lock.unlock();
            }
        }
    }

    /**
     * The frames {@link #holdTx} holds on {@code pair}, as a view valid until {@link #releaseTx}:
     * one ownership check for the burst instead of one per frame and field.
     */
    public HeldFrames heldFrames(int pair) {
        Slot slot = heldTx(pair);
        return slot.heldView.bind(slot.active, slot.headerLength, slot.held);
    }

    /** The guest memory of the frames {@link #holdTx} holds on {@code pair}. */
    public GuestMemory heldMemory(int pair) {
        return heldTx(pair).active.memory;
    }

    /** The chain of held frame {@code i} of {@code pair}. */
    public DescriptorChain heldChain(int pair, int i) {
        Slot slot = heldTx(pair);
        return slot.active.chains[slot.heldIndex[java.util.Objects.checkIndex(i, slot.held)]];
    }

    /** The length of held frame {@code i} of {@code pair}, checked against the port's frame limits. */
    public long heldLength(int pair, int i) {
        Slot slot = heldTx(pair);
        return slot.heldLength[java.util.Objects.checkIndex(i, slot.held)];
    }

    /** Where the held frames of {@code pair} start in their chains: past the virtio-net header. */
    public int heldOffset(int pair) {
        return heldTx(pair).headerLength;
    }

    /**
     * Ends a {@link #holdTx} burst: every popped chain goes back on the used ring with one publish
     * and at most one call, and the ring is given up. {@code lost} of the held frames could not be
     * read (the front-end remapped its memory under them): counted dropped, the rest received.
     */
    public void releaseTx(int pair, int lost) {
        Slot slot = heldTx(pair);
        try {
            completeTx(slot, slot.active, lost);
        } finally {
            slot.lock.unlock();
        }
    }

    private void completeTx(Slot slot, ActiveQueue q, int lost) {
        int n = slot.popped;
        int held = slot.held;
        slot.popped = 0;
        slot.held = 0;
        for (int i = 0; i < n; i++) {
            q.queue.addUsed(q.chains[i], 0);
        }
        q.publishAndNotify();
        int bad = Math.clamp(lost, 0, held);
        slot.countDropped(bad);
        slot.countReceived(held - bad);
    }

    private Slot heldTx(int pair) {
        Slot slot = slots[2 * pair + 1];
        if (!slot.lock.isHeldByCurrentThread() || slot.popped == 0) {
            throw new IllegalStateException("TX ring of pair " + pair + " is not held by this thread");
        }
        return slot;
    }

    /**
     * Copies one frame into a chain of the front-end's RX ring of {@code pair}: the virtio-net
     * header (zero, num_buffers 1), then {@code headLength} bytes of {@code head} (a rewritten
     * Ethernet/IP header, or nothing), then {@code srcLength} readable bytes of {@code src} from
     * {@code srcOffset}, copied guest to guest. The chain goes on the used ring but is not
     * published: call {@link #flush} once per burst. Returns false (frame counted dropped) when the
     * ring is stopped, has no buffer, the buffer is too small for the whole frame, or {@code src}
     * holds fewer than {@code srcOffset + srcLength} readable bytes.
     */
    public boolean deliver(int pair, MemorySegment head, long headLength,
                           GuestMemory srcMemory, DescriptorChain src, long srcOffset, long srcLength) {
        Slot slot = slots[2 * pair];
        slot.lock.lock();
        try {
            ActiveQueue q = slot.active;
            if (q == null || srcOffset < 0 || srcLength < 0) {
                slot.tallyDropped();
                return false;
            }
            // The ring's own reader: the lock makes this thread its one user for the call.
            ChainCursor frame = q.reader.readable(srcMemory, src);
            if (frame.skip(srcOffset) != srcOffset || frame.limit(srcLength).remaining() != srcLength) {
                slot.tallyDropped();
                return false;
            }
            return deliverOne(pair, head, headLength, frame, head, 0, srcLength);
        } finally {
            slot.addTallies();
            slot.lock.unlock();
        }
    }

    /**
     * As {@link #deliver(int, MemorySegment, long, GuestMemory, DescriptorChain, long, long)}, with
     * the frame's body taken from {@code bodyLength} bytes of host memory {@code body} at
     * {@code bodyOffset} (a TAP's receive buffer, a generated reply).
     */
    public boolean deliver(int pair, MemorySegment head, long headLength,
                           MemorySegment body, long bodyOffset, long bodyLength) {
        Slot slot = slots[2 * pair];
        slot.lock.lock();
        try {
            return deliverOne(pair, head, headLength, null, body, bodyOffset, bodyLength);
        } finally {
            slot.addTallies();
            slot.lock.unlock();
        }
    }

    /**
     * Takes the RX ring of {@code pair} for a burst of {@link #deliverHeld} calls: the calling
     * thread is its one writer until {@link #closeRx}, which publishes the burst. One lock
     * acquisition per destination ring and burst, none per frame.
     */
    public void openRx(int pair) {
        openRx(pair, 0);
    }

    /**
     * As {@link #openRx(int)}, for a burst of {@code frames} deliveries: their RX chains are popped
     * together, up to a burst at a time, the way DPDK's {@code virtio_dev_rx_split} reserves its
     * descriptors before it copies, so the ring's cache misses of several frames overlap instead of
     * coming one per frame. Chains reserved and not filled go back to the ring at {@link #closeRx}.
     */
    public void openRx(int pair, int frames) {
        Slot slot = slots[2 * pair];
        slot.lock.lock();
        slot.rxNext = 0;
        slot.rxReserved = 0;
        slot.rxWanted = Math.max(0, frames);
    }

    /**
     * The features the front-end acknowledged for the RX ring of {@code pair}, which the calling
     * thread holds ({@link #openRx}): which offloads the frames it delivers there may carry.
     */
    public long rxFeatures(int pair) {
        ActiveQueue q = heldRx(pair).active;
        return q == null ? 0 : q.features;
    }

    /**
     * Makes the next {@link #deliverHeld} on {@code pair} (held by the calling thread) write the
     * first 10 bytes of {@code header} (flags, gso_type, hdr_len, gso_size, csum_start,
     * csum_offset) into the frame's virtio-net header instead of zeros: a partial checksum or a
     * super-frame carried over to a guest that negotiated it (num_buffers stays the port's). The
     * caller keeps {@code header} unchanged until that delivery returns.
     */
    public void offloadNext(int pair, MemorySegment header) {
        if (header.byteSize() < NUM_BUFFERS) {
            throw new IllegalArgumentException("an offload header has " + NUM_BUFFERS + " bytes, not " + header.byteSize());
        }
        heldRx(pair).offloadHeader = header;
    }

    /**
     * As {@link #deliver(int, MemorySegment, long, GuestMemory, DescriptorChain, long, long)}
     * inside an {@link #openRx} burst, with the frame's body every {@link ChainCursor#remaining}
     * byte of reader {@code frame}, positioned (and limited) by the caller on the source chain: one
     * writer puts header, head and body into the RX chain in one pass, the body copied guest to
     * guest. The reader is consumed. Throws IllegalStateException if this thread did not open the
     * ring or {@code frame} is a writer.
     */
    public boolean deliverHeld(int pair, MemorySegment head, long headLength, ChainCursor frame) {
        if (frame.isWriter()) {
            throw new IllegalStateException("the frame to deliver must be a reader");
        }
        // The body is the reader's; head stands in as the (empty) host body for the no-cursor path.
        return deliverOne(pair, head, headLength, frame, head, 0, frame.remaining());
    }

    /** As {@link #deliver(int, MemorySegment, long, MemorySegment, long, long)} inside an {@link #openRx} burst. */
    public boolean deliverHeld(int pair, MemorySegment head, long headLength,
                               MemorySegment body, long bodyOffset, long bodyLength) {
        return deliverOne(pair, head, headLength, null, body, bodyOffset, bodyLength);
    }

    /**
     * Every delivery's one body: the virtio-net header, {@code headLength} bytes of {@code head}, then
     * {@code length} bytes of body into the RX ring of {@code pair}, held by this thread. The body is
     * reader {@code frame} (guest to guest) or, when {@code frame} is null, host memory {@code body} at
     * {@code bodyOffset}. A whole frame from host memory (or one all in its head) goes in one write
     * when the chain allows; a chain too small for it is merged with the next (MRG_RXBUF).
     */
    private boolean deliverOne(int pair, MemorySegment head, long headLength, ChainCursor frame,
                               MemorySegment body, long bodyOffset, long length) {
        Slot slot = heldRx(pair);
        MemorySegment vnet = slot.offloadHeader;
        slot.offloadHeader = null;
        DescriptorChain chain = startDelivery(slot, headLength + length);
        if (chain == null) {
            return false;
        }
        ActiveQueue q = slot.active;
        if (chain.writableBytes() < slot.headerLength + headLength + length) {
            return deliverMerged(slot, q, chain, head, headLength, frame, frame == null ? body : null, bodyOffset, length, vnet);
        }
        try {
            if (slot.rxCurrent >= 0 && (frame == null || length == 0)) {
                // No cursor: the body is host memory, or the whole frame is in the head.
                long total = q.writeFrame(slot.rxCurrent, slot.headerLength, head, headLength, body, bodyOffset, length);
                if (total >= 0) {
                    return finishDelivery(slot, q, chain, total, vnet);
                }
            }
            ChainCursor w = writeHeaderAndHead(slot, q, chain, head, headLength);
            // In bounds: body's range is checked by MemorySegment.copy inside the cursor before any byte moves.
            long copied = w == null ? -1 : frame != null ? frame.copyTo(w, length) : w.write(body, bodyOffset, length);
            return finishDelivery(slot, q, chain, copied == length ? w.consumed() : -1, vnet);
        } catch (GuestMemoryException e) {
            return finishDelivery(slot, q, chain, -1, null);
        }
    }

    /** Ends an {@link #openRx} burst: publishes it as {@link #flush} does and gives the ring up. */
    public void closeRx(int pair) {
        Slot slot = heldRx(pair);
        try {
            returnReserved(slot);
            // Counted before the burst is published: whoever sees a frame arrive sees it counted.
            slot.addTallies();
            publishRx(pair, slot);
        } finally {
            slot.addTallies();
            slot.lock.unlock();
        }
    }

    private Slot heldRx(int pair) {
        Slot slot = slots[2 * pair];
        if (!slot.lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("RX ring of pair " + pair + " used without openRx");
        }
        return slot;
    }

    /**
     * Pops the chain a frame of {@code frameLength} bytes goes into and checks it can hold header
     * and frame, or with MRG_RXBUF at least the header (the frame then continues in the next
     * chains: {@link #deliverMerged}); otherwise counts the drop and returns null.
     */
    private DescriptorChain startDelivery(Slot slot, long frameLength) {
        ActiveQueue q = slot.active;
        DescriptorChain chain;
        if (q == null || frameLength < ETH_HEADER || frameLength > maxFrame || (chain = nextRxChain(slot, q)) == null) {
            slot.tallyDropped();
            return null;
        }
        long needed = slot.mergeable ? slot.headerLength + 1 : slot.headerLength + frameLength;
        if (chain.writableBytes() < needed) {
            q.queue.addUsed(chain, 0);
            slot.tallyDropped();
            return null;
        }
        return chain;
    }

    /**
     * Writes a frame that does not fit {@code first} over it and the next reserved chains, as
     * MRG_RXBUF allows (virtio 1.2, 5.1.6.4): the virtio-net header in the first chain with
     * num_buffers the chains used, then head and body across them, each chain used with the bytes
     * written into it. Either {@code frame} (a reader, guest to guest) or {@code body} (host
     * memory) gives the body. If the ring runs out, the frame needs more than
     * {@link #MAX_MERGED} chains, or a chain takes no byte, the frame is dropped and its chains
     * are given back unused (or, if the queue cannot take them back, used with length 0).
     */
    private boolean deliverMerged(Slot slot, ActiveQueue q, DescriptorChain first, MemorySegment head, long headLength,
                                  ChainCursor frame, MemorySegment body, long bodyOffset, long bodyLength,
                                  MemorySegment vnet) {
        int hdr = slot.headerLength;
        int firstBuffer = first.readableCount();
        // num_buffers is patched in place once the count is known: the header must lie in the first buffer.
        if (firstBuffer >= first.count() || first.length(firstBuffer) < hdr) {
            return finishDelivery(slot, q, first, -1, null);
        }
        long numBuffersAddress = first.address(firstBuffer) + NUM_BUFFERS;
        long headDone = 0;
        long bodyDone = 0;
        int chains = 0;
        DescriptorChain chain = first;
        boolean complete = false;
        try {
            while (true) {
                ChainCursor w = q.writer.writable(q.memory, chain);
                int c = chains++;
                slot.mergeHeads[c] = chain.head();
                if (c == 0 && (slot.rxCurrent >= 0 ? w.skip(hdr) : w.write(slot.oneBufferHeader, 0, hdr)) != hdr) {
                    break;
                }
                // In bounds: head holds headLength bytes and body bodyOffset + bodyLength (the
                // callers'), both checked by MemorySegment.copy inside the cursor.
                headDone += w.write(head, headDone, headLength - headDone);
                if (headDone == headLength) {
                    bodyDone += frame != null ? frame.copyTo(w, bodyLength - bodyDone)
                            : w.write(body, bodyOffset + bodyDone, bodyLength - bodyDone);
                }
                slot.mergeLengths[c] = w.consumed();
                if (headDone == headLength && bodyDone == bodyLength) {
                    complete = true;
                    break;
                }
                if (w.consumed() == 0 || chains == MAX_MERGED || (chain = nextRxChain(slot, q)) == null) {
                    break;
                }
            }
            if (complete) {
                // In bounds: slot.header holds HDR_V1 bytes; the 2 bytes at NUM_BUFFERS lie in the
                // first chain's first buffer, checked to hold the header above.
                slot.header.set(LE_SHORT, NUM_BUFFERS, (short) chains);
                q.memory.write(numBuffersAddress, slot.header, NUM_BUFFERS, 2);
                if (vnet != null) {
                    // In bounds: the 10 bytes before num_buffers lie in the same checked first buffer.
                    q.memory.write(numBuffersAddress - NUM_BUFFERS, vnet, 0, NUM_BUFFERS);
                }
            }
        } catch (GuestMemoryException e) {
            complete = false;
        }
        if (complete) {
            for (int i = 0; i < chains; i++) {
                q.queue.addUsed(slot.mergeHeads[i], slot.mergeLengths[i]);
            }
            slot.tallySent();
            return true;
        }
        giveBack(slot, q, chains);
        slot.tallyDropped();
        return false;
    }

    /**
     * Gives a failed merged frame's {@code chains} back to the ring unused when they were the last
     * popped (the group they came from is then spent), else returns them used with length 0.
     */
    private static void giveBack(Slot slot, ActiveQueue q, int chains) {
        int unfilled = slot.rxReserved - slot.rxNext;
        if (unfilled == 0 && q.queue.unpop(chains)) {
            slot.rxNext = 0;
            slot.rxReserved = 0;
            return;
        }
        for (int i = 0; i < chains; i++) {
            q.queue.addUsed(slot.mergeHeads[i], 0);
        }
    }

    /**
     * The next reserved RX chain of the burst, popping the next group (at most a burst, at least
     * one) when the reserved ones are used up; null when the ring has none.
     */
    private static DescriptorChain nextRxChain(Slot slot, ActiveQueue q) {
        if (slot.rxNext == slot.rxReserved) {
            int want = Math.clamp(slot.rxWanted, 1, ActiveQueue.BURST);
            int got = q.queue.pop(q.chains, want);
            slot.rxNext = 0;
            slot.rxReserved = got;
            slot.rxWanted = Math.max(0, slot.rxWanted - got);
            if (got == 0) {
                return null;
            }
            q.writeHeaders(got, slot.headerLength, slot.rxHeaderWritten);
        }
        slot.rxCurrent = slot.rxHeaderWritten[slot.rxNext] ? slot.rxNext : -1;
        return q.chains[slot.rxNext++];
    }

    /**
     * Gives the burst's reserved and unfilled RX chains back to the ring (they stay available for
     * the next burst), or, if the queue cannot take them back, returns them used with length 0.
     */
    private static void returnReserved(Slot slot) {
        int unused = slot.rxReserved - slot.rxNext;
        ActiveQueue q = slot.active;
        if (unused > 0 && q != null && !q.queue.unpop(unused)) {
            for (int i = slot.rxNext; i < slot.rxReserved; i++) {
                q.queue.addUsed(q.chains[i], 0);
            }
        }
        slot.rxNext = 0;
        slot.rxReserved = 0;
        slot.rxWanted = 0;
    }

    /**
     * Points the ring's writer at {@code chain} and writes the virtio-net header and the head
     * bytes; returns the writer, positioned where the frame's body goes, or null if they did not fit.
     */
    private ChainCursor writeHeaderAndHead(Slot slot, ActiveQueue q, DescriptorChain chain, MemorySegment head, long headLength) {
        int hdr = slot.headerLength;
        ChainCursor w = q.writer.writable(q.memory, chain);
        // In bounds: the header segment holds HDR_V1 >= hdr bytes; head holds headLength bytes (the
        // caller's), checked by MemorySegment.copy inside the cursor. A header written when the
        // chain was reserved is passed over.
        long wrote = slot.rxCurrent >= 0 ? w.skip(hdr) : w.write(slot.oneBufferHeader, 0, hdr);
        if (headLength > 0) {
            wrote += w.write(head, 0, headLength);
        }
        return wrote == hdr + headLength ? w : null;
    }

    /**
     * Puts the chain on the used ring with the bytes written, or with 0 and a drop when {@code total}
     * is negative; first writes the offload header {@code vnet} (or nothing when null) over the zeros.
     */
    private boolean finishDelivery(Slot slot, ActiveQueue q, DescriptorChain chain, long total, MemorySegment vnet) {
        if (total >= 0 && vnet != null) {
            // The chain was checked to hold the header; the cursor writes it wherever its buffers put it.
            try {
                if (q.writer.writable(q.memory, chain).write(vnet, 0, NUM_BUFFERS) != NUM_BUFFERS) {
                    total = -1;
                }
            } catch (GuestMemoryException e) {
                total = -1;
            }
        }
        if (total < 0) {
            q.queue.addUsed(chain, 0);
            slot.tallyDropped();
            return false;
        }
        q.queue.addUsed(chain, total);
        slot.tallySent();
        return true;
    }

    /**
     * Publishes what {@link #deliver} put on the RX ring of {@code pair} since the last flush (one
     * used-index store) and interrupts the front-end (through the signaller) if it wants one. A pending
     * RARP announcement goes out first on pair 0.
     */
    public void flush(int pair) {
        Slot slot = slots[2 * pair];
        slot.lock.lock();
        try {
            publishRx(pair, slot);
        } finally {
            slot.lock.unlock();
        }
    }

    /** Under the RX ring's lock: a pending announcement on pair 0, then one publish (and at most one call). */
    private void publishRx(int pair, Slot slot) {
        ActiveQueue q = slot.active;
        if (q == null) {
            return;
        }
        sendAnnouncement(pair, slot, q);
        q.publishAndNotify();
    }

    /**
     * Under the RX ring's lock: the pending RARP announcement, if any, into the RX ring of pair 0
     * ahead of the frames that follow; it stays pending while the ring has no buffer for it.
     */
    private void sendAnnouncement(int pair, Slot slot, ActiveQueue q) {
        MemorySegment announcement = pendingAnnouncement;
        if (pair == 0 && announcement != null && q.queue.hasAvailable()
                && sendOne(slot, q, announcement, RARP_FRAME)) {
            pendingAnnouncement = null;
        }
    }

    /**
     * How many times the TX ring of {@code pair} has started: when it changes, the kick fd a poller
     * registered is stale and must be registered again with {@link #registerKick}.
     */
    public long kickGeneration(int pair) {
        return slots[2 * pair + 1].generation.get();
    }

    /**
     * Registers the kick eventfd of the TX ring of {@code pair} with {@code poller} under
     * {@code token}, edge-triggered (so nobody has to read the front-end's eventfd: each kick is an
     * edge). Done under the ring's lock, where the fd is open (the session stops a ring before it
     * closes its kick fd). Returns false if the ring is not running or has no kick fd.
     */
    public boolean registerKick(int pair, EpollPoller poller, int token) {
        return onRunningTx(pair, poller, token, (q, epoll, key) -> {
            if (q.kickFd < 0) {
                return false;
            }
            try {
                epoll.registerFd(q.kickFd, key, LinuxConstants.EPOLLIN | LinuxConstants.EPOLLET);
                return true;
            } catch (NativeException e) {
                return false;
            }
        });
    }

    /**
     * Asks the front-end to kick the TX ring of {@code pair} again and re-checks it: true if frames
     * are already waiting (then do not sleep). A stopped ring has nothing waiting.
     */
    public boolean enableKicks(int pair) {
        return onRunningTx(pair, null, 0, (q, epoll, key) -> q.queue.enableNotification());
    }

    /** Tells the front-end not to kick the TX ring of {@code pair} while it is polled. */
    public void disableKicks(int pair) {
        onRunningTx(pair, null, 0, (q, epoll, key) -> {
            q.queue.disableNotification();
            return false;
        });
    }

    /** What {@link #onRunningTx} does to a running TX ring; its arguments are passed, never captured. */
    @FunctionalInterface
    private interface TxRingOp {
        boolean apply(ActiveQueue q, EpollPoller poller, int token);
    }

    /**
     * Runs {@code op} on the TX ring of {@code pair} under its lock if it is running, else returns
     * false. The poller's idle path calls this: every {@code op} above is a non-capturing lambda (a
     * constant, its inputs are parameters), so nothing is allocated per call.
     */
    private boolean onRunningTx(int pair, EpollPoller poller, int token, TxRingOp op) {
        Slot slot = slots[2 * pair + 1];
        slot.lock.lock();
        try {
            ActiveQueue q = slot.active;
            return q != null && op.apply(q, poller, token);
        } finally {
            slot.lock.unlock();
        }
    }

    /**
     * Unlocks every ring the calling thread holds, forgetting its popped chains: a fault in this
     * port's guest memory (the front-end shrank it) can surface anywhere in a burst, even between a
     * {@link #holdTx} and the caller's bookkeeping of it, and the session being dropped must not
     * wait forever for a ring lock a data-path thread kept. The chains stay unpublished; the
     * session's teardown and the next front-end's SET_VRING_BASE decide where the rings resume.
     */
    @Override
    public void abandonBursts() {
        for (Slot slot : slots) {
            while (slot.lock.isHeldByCurrentThread()) {
                slot.popped = 0;
                slot.held = 0;
                slot.lock.unlock();
            }
        }
    }

    /** Frames handed to the handler. */
    public long received() {
        return sum(NetPortCounter.RECEIVED);
    }

    /** Frames put into the front-end's RX rings. */
    public long sent() {
        return sum(NetPortCounter.SENT);
    }

    /** Frames dropped: too big, too small, no room, or a bad guest buffer. */
    public long dropped() {
        return sum(NetPortCounter.DROPPED);
    }

    /**
     * Descriptor chains (or queue failures) this port's rings refused for {@code error}, since the
     * port was made: across ring restarts and front-end reconnects. For monitoring: read without any
     * ring's lock from the rings' single-writer counters, so a figure may lag a burst behind.
     */
    public long chainErrors(ChainError error) {
        long total = 0;
        for (Slot slot : slots) {
            ActiveQueue q = slot.active;
            if (q != null) {
                total += q.queue.counters().errors(error);
            }
            total += slot.retiredErrors.get(error);
        }
        return total;
    }

    /** Adds {@code counter} over every ring, without taking any ring's lock (volatile loads of single-writer counters). */
    private long sum(NetPortCounter counter) {
        long total = 0;
        for (Slot slot : slots) {
            total += slot.frames.get(counter);
        }
        return total;
    }
}
