package io.virtio4j.vhostuser;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.LongAdder;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestMemoryException;
import io.virtio4j.vring.DescriptorChain;

/**
 * A virtio-net port over a vhost-user session: frames the front-end transmits (its TX rings, odd
 * indices) are handed to a {@link FrameHandler}; frames given to {@link #send} go into its RX rings
 * (even indices) behind a virtio-net header. Polled: the caller's thread runs the bursts; the
 * session thread starts and stops rings through {@link RingListener}, each under the ring's lock.
 */
public final class VhostUserNetPort implements RingListener {
    /** struct virtio_net_hdr_mrg_rxbuf: 12 bytes with VERSION_1 or MRG_RXBUF, else 10. */
    static final int HDR_V1 = 12;
    static final int HDR_LEGACY = 10;
    private static final int NUM_BUFFERS = 10;
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final int RARP_FRAME = 60;
    private final Slot[] slots;
    /** A RARP announcement waiting for an RX buffer on queue pair 0, or null. */
    private volatile MemorySegment pendingAnnouncement;
    private final int maxFrame;
    private final LongAdder received = new LongAdder();
    private final LongAdder sent = new LongAdder();
    private final LongAdder dropped = new LongAdder();

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

        Slot(Arena arena, int maxFrame) {
            frameBuffer = arena.allocate(HDR_V1 + maxFrame, 8);
            header = arena.allocate(HDR_V1, 8);
        }
    }

    /** A port with {@code queuePairs} RX/TX pairs accepting frames up to {@code maxFrame} bytes. */
    public VhostUserNetPort(int queuePairs, int maxFrame) {
        if (maxFrame < 60 || maxFrame > 65535) {
            throw new IllegalArgumentException("max frame " + maxFrame);
        }
        this.maxFrame = maxFrame;
        Arena arena = Arena.ofAuto();
        this.slots = new Slot[2 * queuePairs];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot(arena, maxFrame);
        }
    }

    @Override
    public void ringStarted(VringState ring, GuestMemory memory, long features) {
        if (ring.index() >= slots.length) {
            return;
        }
        Slot slot = slots[ring.index()];
        ActiveQueue q = new ActiveQueue(ring, memory, features);
        synchronized (slot) {
            slot.mergeable = (features & BackendConfig.VIRTIO_NET_F_MRG_RXBUF) != 0;
            slot.headerLength = slot.mergeable || (features & BackendConfig.VIRTIO_F_VERSION_1) != 0 ? HDR_V1 : HDR_LEGACY;
            slot.active = q;
        }
    }

    @Override
    public int ringStopped(VringState ring) {
        if (ring.index() >= slots.length) {
            return ring.base();
        }
        Slot slot = slots[ring.index()];
        synchronized (slot) {
            ActiveQueue q = slot.active;
            slot.active = null;
            if (q == null) {
                return ring.base();
            }
            q.release();
            return q.lastAvailIdx();
        }
    }

    /**
     * Queues a RARP frame from {@code mac} (what QEMU's and DPDK's announce send: broadcast,
     * ethertype 0x8035, reverse request, sender and target hardware address = mac); it goes out on
     * queue pair 0 ahead of the next frames sent there.
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
        pendingAnnouncement = f;
    }

    /** Whether both rings of pair {@code pair} are running. */
    public boolean ready(int pair) {
        return slots[2 * pair].active != null && slots[2 * pair + 1].active != null;
    }

    /**
     * Takes up to {@code max} frames from the front-end's TX ring of {@code pair} and hands each to
     * {@code handler}. Returns how many frames were handed over.
     */
    public int receive(int pair, FrameHandler handler, int max) {
        Slot slot = slots[2 * pair + 1];
        synchronized (slot) {
            ActiveQueue q = slot.active;
            if (q == null) {
                return 0;
            }
            int n = q.queue.pop(q.chains, Math.min(max, ActiveQueue.BURST));
            int delivered = 0;
            RuntimeException handlerFailure = null;
            for (int i = 0; i < n; i++) {
                DescriptorChain chain = q.chains[i];
                long length = chain.readableBytes();
                if (length <= slot.headerLength || length > slot.headerLength + maxFrame) {
                    dropped.increment();
                } else {
                    try {
                        // In bounds: length <= header + maxFrame, the frame buffer's size.
                        q.copier.copyReadable(chain, slot.frameBuffer, 0, length);
                        handler.frame(slot.frameBuffer, slot.headerLength, length - slot.headerLength);
                        delivered++;
                    } catch (GuestMemoryException e) {
                        dropped.increment();
                    } catch (RuntimeException e) {
                        // A failing handler must not strand the rest of the burst off the used ring.
                        dropped.increment();
                        handlerFailure = handlerFailure == null ? e : handlerFailure;
                    }
                }
                q.queue.addUsed(chain, 0);
            }
            if (n > 0) {
                q.publishAndNotify();
            }
            received.add(delivered);
            if (handlerFailure != null) {
                throw handlerFailure;
            }
            return delivered;
        }
    }

    /**
     * Puts frames {@code frames[0..count)} ({@code lengths[i]} bytes each) into the front-end's RX
     * ring of {@code pair}. Returns how many were delivered; the rest found no buffers.
     */
    public int send(int pair, MemorySegment[] frames, long[] lengths, int count) {
        Slot slot = slots[2 * pair];
        synchronized (slot) {
            ActiveQueue q = slot.active;
            if (q == null) {
                return 0;
            }
            int delivered = 0;
            MemorySegment announcement = pendingAnnouncement;
            if (pair == 0 && announcement != null && q.queue.hasAvailable()
                    && sendOne(slot, q, announcement, RARP_FRAME)) {
                pendingAnnouncement = null;
            }
            for (int f = 0; f < count; f++) {
                if (lengths[f] <= 0 || lengths[f] > maxFrame || lengths[f] > frames[f].byteSize()) {
                    dropped.increment();
                    continue;
                }
                if (!q.queue.hasAvailable()) {
                    break;
                }
                if (sendOne(slot, q, frames[f], lengths[f])) {
                    delivered++;
                } else {
                    dropped.increment();
                }
            }
            q.publishAndNotify();
            sent.add(delivered);
            return delivered;
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
                long wrote = q.copier.writeWritable(chain, offset, frame, frameDone, length - frameDone);
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
                q.copier.writeWritable(q.chains[0], 0, slot.header, 0, hdr);
            }
        } catch (GuestMemoryException e) {
            complete = false;
        }
        for (int i = 0; i < buffers; i++) {
            q.queue.addUsed(q.chains[i], complete ? usedLen[i] : 0);
        }
        return complete;
    }

    /** Frames handed to the handler. */
    public long received() {
        return received.sum();
    }

    /** Frames put into the front-end's RX rings. */
    public long sent() {
        return sent.sum();
    }

    /** Frames dropped: too big, too small, no room, or a bad guest buffer. */
    public long dropped() {
        return dropped.sum();
    }
}
