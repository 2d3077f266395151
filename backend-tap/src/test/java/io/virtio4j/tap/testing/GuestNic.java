package io.virtio4j.tap.testing;

import io.virtio4j.api.feature.Features;
import io.virtio4j.api.feature.VirtioFeature;
import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestRegion;
import io.virtio4j.api.notify.EventfdNotifier;
import io.virtio4j.api.queue.QueueLayout;
import io.virtio4j.spi.net.DataQueue;
import io.virtio4j.spi.net.NetControlState;
import io.virtio4j.spi.net.NetDataPlane;
import io.virtio4j.tap.testing.Frames;
import io.virtio4j.vring.DeviceQueue;
import io.virtio4j.vring.DriverQueue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.virtio4j.api.feature.VirtioFeature.RING_EVENT_IDX;
import static io.virtio4j.api.feature.VirtioFeature.RING_INDIRECT_DESC;
import static io.virtio4j.api.feature.VirtioFeature.VERSION_1;

/**
 * The guest side of one queue pair, as a virtio-net driver runs it: two guest memory regions
 * whose host mappings are not adjacent (so a buffer across the boundary needs two iovecs), the
 * rx/tx rings driven by {@link DriverQueue}, eventfd kicks and calls, and the data plane a
 * device would hand the backend at DRIVER_OK.
 */
public final class GuestNic implements AutoCloseable {
    public static final int RING = 256;
    public static final int BUFFER = 2048;
    public static final int HEADER = 12;
    /** Region A [0, 2 MiB): rings and transmit buffers; region B [2 MiB, 4 MiB): receive buffers. */
    public static final long REGION_B = 0x200000;
    public static final long RX_RING = 0x0;
    public static final long TX_RING = 0x10000;
    public static final long TX_BUFFERS = 0x100000;
    public static final long RX_BUFFERS = REGION_B + 0x10000;
    /** A transmit buffer that starts 40 bytes before the region boundary. */
    public static final long SPLIT_TX_BUFFER = REGION_B - 40;

    public final Arena arena = Arena.ofShared();
    public final GuestMemory memory;
    public final EventfdNotifier rxKick = EventfdNotifier.create();
    public final EventfdNotifier txKick = EventfdNotifier.create();
    public final EventfdNotifier rxCall = EventfdNotifier.create();
    public final EventfdNotifier txCall = EventfdNotifier.create();
    /** Packed rings (VIRTIO_F_RING_PACKED negotiated) instead of split ones. */
    public final boolean packed;
    public final QueueLayout rxLayout;
    public final QueueLayout txLayout;
    public final DriverQueue rx;
    public final DriverQueue tx;
    public final List<Integer> brokenQueues = new CopyOnWriteArrayList<>();
    private final long[] rxBufferOfHead = new long[RING];
    private final long[] txBufferOfHead = new long[RING];
    private final ArrayDeque<Long> freeTxBuffers = new ArrayDeque<>();
    private final long[] reclaimedAddresses = new long[RING];
    private int nextRxSlot;
    private final int[] ids = new int[RING];
    private final int[] lens = new int[RING];
    private final MemorySegment scratch;

    public GuestNic() {
        this(false);
    }

    public GuestNic(boolean packed) {
        this.packed = packed;
        rxLayout = packed ? QueueLayout.packed(RING, RX_RING, true, true) : QueueLayout.contiguous(RING, RX_RING, true, true);
        txLayout = packed ? QueueLayout.packed(RING, TX_RING, true, true) : QueueLayout.contiguous(RING, TX_RING, true, true);
        memory = GuestMemory.of(GuestRegion.of(0, arena.allocate(REGION_B, 4096)),
                GuestRegion.of(REGION_B, arena.allocate(REGION_B, 4096)));
        rx = new DriverQueue(memory, rxLayout);
        tx = new DriverQueue(memory, txLayout);
        for (int i = 0; i < RING; i++) {
            freeTxBuffers.add(TX_BUFFERS + (long) i * BUFFER);
        }
        scratch = arena.allocate(65536, 8);
    }

    public static long features() {
        return Features.of(VERSION_1, RING_EVENT_IDX, RING_INDIRECT_DESC);
    }

    public NetDataPlane plane() {
        int fresh = DeviceQueue.freshPosition(rxLayout);
        return plane(fresh, fresh, fresh, fresh);
    }

    /** The data plane with MRG_RXBUF negotiated too. */
    public NetDataPlane mergeablePlane() {
        int fresh = DeviceQueue.freshPosition(rxLayout);
        return plane(features() | VirtioFeature.NET_MRG_RXBUF.mask(), fresh, fresh, fresh, fresh);
    }

    /** The data plane resuming each ring at the given avail/used indices (after a stop). */
    public NetDataPlane plane(int rxAvail, int rxUsed, int txAvail, int txUsed) {
        return plane(features(), rxAvail, rxUsed, txAvail, txUsed);
    }

    private NetDataPlane plane(long features, int rxAvail, int rxUsed, int txAvail, int txUsed) {
        long negotiated = features | (packed ? VirtioFeature.RING_PACKED.mask() : 0);
        return new NetDataPlane(memory, negotiated, List.of(
                new DataQueue(0, rxLayout, rxKick, rxCall, rxAvail, rxUsed),
                new DataQueue(1, txLayout, txKick, txCall, txAvail, txUsed)), new AcceptAll(), brokenQueues::add);
    }

    /** Posts {@code count} receive buffers of {@code size} bytes each and kicks if the device asked. */
    public void postReceiveBuffers(int count, int size) {
        if (nextRxSlot + count > RING) {
            throw new IllegalStateException("only " + RING + " receive buffers");
        }
        for (int i = 0; i < count; i++) {
            // Each slot once: two chains sharing a buffer would overwrite each other's frames.
            long address = RX_BUFFERS + (long) nextRxSlot++ * BUFFER;
            postReceive(address, size);
        }
        rx.publish();
        kickIfWanted(rx, rxKick);
    }

    private void postReceive(long address, int size) {
        int head = rx.add(new long[] {address}, new int[] {size}, new boolean[] {true}, 1);
        rxBufferOfHead[head] = address;
    }

    /**
     * Reclaims used receive buffers, hands each (guest address, used length) to {@code frames},
     * reposts the buffer and returns how many there were.
     */
    public int receive(ReceivedFrame frames) {
        int n = rx.reclaim(ids, lens, RING);
        // Resolve every head before reposting: a repost may reuse a head later in this batch.
        for (int i = 0; i < n; i++) {
            reclaimedAddresses[i] = rxBufferOfHead[ids[i]];
        }
        for (int i = 0; i < n; i++) {
            frames.accept(reclaimedAddresses[i], lens[i]);
            postReceive(reclaimedAddresses[i], BUFFER);
        }
        if (n > 0) {
            rx.publish();
            kickIfWanted(rx, rxKick);
        }
        return n;
    }

    /** Copies {@code length} guest bytes at {@code address} into a scratch segment and returns it. */
    public MemorySegment read(long address, int length) {
        memory.read(address, scratch, 0, length);
        return scratch.asSlice(0, length);
    }

    /**
     * Queues one UDP frame (zero vnet header + Ethernet/IPv4/UDP with {@code seq}'s payload) in a
     * free transmit buffer; false if the ring is full (call {@link #reclaimTransmitted()}).
     */
    public boolean queueUdp(byte[] dstMac, byte[] srcMac, int srcIp, int dstIp, int port, int payload, long seq) {
        Long address = freeTxBuffers.poll();
        if (address == null) {
            return false;
        }
        int length = writeUdp(address, dstMac, srcMac, srcIp, dstIp, port, payload, seq);
        int head = tx.add(new long[] {address}, new int[] {length}, new boolean[] {false}, 1);
        txBufferOfHead[head] = address;
        return true;
    }

    /** Writes the header and frame at {@code address}; returns the chain length. */
    public int writeUdp(long address, byte[] dstMac, byte[] srcMac, int srcIp, int dstIp, int port, int payload, long seq) {
        MemorySegment frame = scratch.asSlice(0, HEADER + Frames.L4 + Frames.UDP + payload);
        frame.fill((byte) 0);
        int length = Frames.udpFrame(frame.asSlice(HEADER), dstMac, srcMac, srcIp, dstIp, 40000, port, payload, seq);
        memory.write(address, frame, 0, HEADER + length);
        return HEADER + length;
    }

    /** Adds a raw single-buffer transmit chain (for hostile or split cases). */
    public void queueRawTransmit(long address, int length) {
        tx.add(new long[] {address}, new int[] {length}, new boolean[] {false}, 1);
    }

    /** Publishes queued transmit chains and kicks if the device asked for it. */
    public void flushTransmit() {
        tx.publish();
        kickIfWanted(tx, txKick);
    }

    /** Reclaims used transmit chains into the free list; returns them and their used lengths in ids/lens. */
    public int reclaimTransmitted() {
        int n = tx.reclaim(ids, lens, RING);
        for (int i = 0; i < n; i++) {
            long address = txBufferOfHead[ids[i]];
            if (address != 0) {
                freeTxBuffers.add(address);
                txBufferOfHead[ids[i]] = 0;
            }
        }
        return n;
    }

    public int usedLength(int i) {
        return lens[i];
    }

    private static void kickIfWanted(DriverQueue queue, EventfdNotifier kick) {
        if (queue.shouldKick()) {
            kick.signal();
        }
    }

    @Override
    public void close() {
        rxKick.close();
        txKick.close();
        rxCall.close();
        txCall.close();
        arena.close();
    }

    /** A received frame: where its buffer is in guest memory and the used length (header included). */
    @FunctionalInterface
    public interface ReceivedFrame {
        void accept(long address, int length);
    }

    /** The receive filter is not the TAP backend's business (the kernel already chose the TAP). */
    private static final class AcceptAll implements NetControlState {
        @Override
        public boolean promiscuous() {
            return true;
        }

        @Override
        public boolean allMulticast() {
            return true;
        }

        @Override
        public long mac() {
            return 0;
        }

        @Override
        public long[] unicastFilter() {
            return new long[0];
        }

        @Override
        public long[] multicastFilter() {
            return new long[0];
        }

        @Override
        public int activeQueuePairs() {
            return 1;
        }
    }
}
