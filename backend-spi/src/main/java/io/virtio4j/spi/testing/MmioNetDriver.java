package io.virtio4j.spi.testing;

import io.virtio4j.api.feature.VirtioFeature;
import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.status.DeviceStatus;
import io.virtio4j.spi.mmio.MmioRegisters;
import io.virtio4j.spi.mmio.VirtioMmioTransport;
import io.virtio4j.vring.DriverQueue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * An in-process virtio-net driver over a {@link VirtioMmioTransport}, as Linux's virtio_net runs
 * on virtio_mmio: probe and negotiate ({@link LinuxMmioDriver}), one rx/tx pair per active queue
 * pair plus the control queue, receive rings kept full of fixed-size buffers, frames sent as
 * chains of transmit buffers (one descriptor per buffer, like an skb's fragments), mergeable
 * receive buffers reassembled by num_buffers, control commands answered synchronously. It polls
 * the used rings instead of taking interrupts. Single-threaded, like one guest vCPU. A frame sink
 * may send, flush and reclaim (receive and transmit keep separate reclaim arrays), but not receive
 * on the same pair again: that would overwrite the frame being handed out (IllegalStateException).
 *
 * <p>Guest memory layout: rings at {@link LinuxMmioDriver#RING_BASE} (16 KiB apart), control
 * buffers below 1 MiB, then per pair {@code queueSize} receive and {@code queueSize} transmit buffers.
 */
public final class MmioNetDriver {
    /** virtio_net_hdr_v1 (VERSION_1: num_buffers always present). */
    public static final int HEADER = 12;
    /** num_buffers' offset in the header (spec 5.1.6). */
    public static final int NUM_BUFFERS = 10;
    private static final long CONTROL_COMMAND = 0xF0000;
    private static final long CONTROL_ACK = 0xF8000;
    private static final long BUFFERS = 0x100000;
    private static final int CONTROL_QUEUE_SIZE = 16;
    private static final int CLASS_MQ = 4;
    private static final int MQ_VQ_PAIRS_SET = 0;
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * The driver's sizes.
     *
     * @param pairs        queue pairs it sets up when MQ is negotiated (1 otherwise)
     * @param queueSize    entries of each data queue (at most 256: the rings are 16 KiB apart)
     * @param rxBufferSize bytes of each receive buffer (header included)
     * @param txBufferSize bytes of each transmit buffer; a longer frame takes several
     */
    public record Shape(int pairs, int queueSize, int rxBufferSize, int txBufferSize) {
        /** Checks the sizes. */
        public Shape {
            if (pairs < 1 || queueSize < 2 || queueSize > 256 || Integer.bitCount(queueSize) != 1
                    || rxBufferSize < HEADER || txBufferSize < 1) {
                throw new IllegalArgumentException("bad driver shape " + pairs + "/" + queueSize + "/" + rxBufferSize + "/" + txBufferSize);
            }
        }

        private long pairBytes() {
            return (long) queueSize * (rxBufferSize + txBufferSize);
        }

        /** Guest memory the driver needs, from guest address 0. */
        public long memoryBytes() {
            long end = BUFFERS + pairs * pairBytes();
            return (end + 0xfff) & ~0xfffL;
        }

        /** Guest memory for this shape in {@code arena}: one anonymous region at guest address 0. */
        public GuestMemory allocate(Arena arena) {
            return GuestMemory.anonymous(arena, 0, memoryBytes());
        }

        long rxBuffer(int pair, int slot) {
            return BUFFERS + pair * pairBytes() + (long) slot * rxBufferSize;
        }

        long txBuffer(int pair, int slot) {
            return BUFFERS + pair * pairBytes() + (long) queueSize * rxBufferSize + (long) slot * txBufferSize;
        }
    }

    /** Receives one reassembled frame: header + Ethernet frame in {@code frame}, over {@code buffers} receive buffers. */
    @FunctionalInterface
    public interface FrameSink {
        /** One frame received on queue pair {@code pair}, valid only during the call. */
        void frame(int pair, MemorySegment frame, int buffers);
    }

    private final LinuxMmioDriver registers;
    private final VirtioMmioTransport mmio;
    private final GuestMemory memory;
    private final Shape shape;
    private final MemorySegment scratch;
    private final MemorySegment control;
    private QueuePair[] pairs = new QueuePair[0];
    private DriverQueue controlQueue;
    private int controlIndex;
    private long negotiated;
    private long badFrames;
    private long refusedBuffers;
    private long nonZeroTxUsed;

    /** A driver for the device behind {@code mmio}; its rings and buffers go into {@code memory} (at least {@link Shape#memoryBytes()} from address 0), host-side scratch into {@code arena}. */
    public MmioNetDriver(VirtioMmioTransport mmio, GuestMemory memory, Shape shape, Arena arena) {
        this.registers = new LinuxMmioDriver(mmio, memory);
        this.mmio = mmio;
        this.memory = memory;
        this.shape = shape;
        // Room for the largest frame the buffers of one ring can carry.
        this.scratch = arena.allocate(Math.max((long) shape.queueSize() * shape.rxBufferSize(), 128 * 1024), 8);
        this.control = arena.allocate(256, 8);
    }

    /**
     * Probes, acks {@code wanted} ∩ offered, sets up the data queues (every pair of the shape when
     * MQ is acked) and the control queue (when CTRL_VQ is acked), and sets DRIVER_OK. Returns the
     * negotiated features.
     *
     * @throws AssertionError if the device refuses FEATURES_OK or DRIVER_OK
     */
    public long start(long wanted) {
        long offered = registers.probe();
        long acked = offered & wanted;
        if (!registers.negotiate(acked)) {
            throw new AssertionError("device refused FEATURES_OK for 0x" + Long.toHexString(acked));
        }
        negotiated = acked;
        boolean eventIdx = VirtioFeature.RING_EVENT_IDX.in(acked);
        // Packed rings when acked (issue 14): every queue, the control queue too, takes that layout.
        boolean packed = VirtioFeature.RING_PACKED.in(acked);
        int count = VirtioFeature.NET_MQ.in(acked) ? shape.pairs() : 1;
        pairs = new QueuePair[count];
        for (int p = 0; p < count; p++) {
            pairs[p] = new QueuePair(p, registers.setupQueue(2 * p, shape.queueSize(), eventIdx, packed),
                    registers.setupQueue(2 * p + 1, shape.queueSize(), eventIdx, packed));
        }
        controlQueue = null;
        if (VirtioFeature.NET_CTRL_VQ.in(acked)) {
            controlIndex = VirtioFeature.NET_MQ.in(acked) ? 2 * shape.pairs() : 2;
            controlQueue = registers.setupQueue(controlIndex, CONTROL_QUEUE_SIZE, eventIdx, packed);
        }
        int status = registers.driverOk();
        if ((status & DeviceStatus.DRIVER_OK) == 0 || (status & DeviceStatus.DEVICE_NEEDS_RESET) != 0) {
            throw new AssertionError("device refused DRIVER_OK: status 0x" + Integer.toHexString(status));
        }
        return acked;
    }

    /** Writes status 0: the device stops its backend. */
    public void reset() {
        mmio.write(MmioRegisters.STATUS, 4, 0);
    }

    /** The device status register as the driver reads it. */
    public int status() {
        return mmio.read(MmioRegisters.STATUS, 4);
    }

    /** The feature bits negotiated by {@link #start}. */
    public long negotiated() {
        return negotiated;
    }

    /** The queue pairs set up. */
    public int pairs() {
        return pairs.length;
    }

    /** The guest memory the driver's rings and buffers are in. */
    public GuestMemory memory() {
        return memory;
    }

    /** Fills every free entry of pair {@code pair}'s receive ring with a buffer and notifies the device if it asks. */
    public void fillReceiveRing(int pair) {
        QueuePair q = pairs[pair];
        while (q.rx.freeCount() > 0 && q.nextRxSlot < shape.queueSize()) {
            q.postReceive(q.nextRxSlot++);
        }
        q.rx.publish();
        kickIfWanted(q.rx, 2 * pair);
    }

    /**
     * Reclaims pair {@code pair}'s used receive buffers, reassembles frames (num_buffers buffers
     * each with MRG_RXBUF), hands each to {@code sink}, reposts the buffers; returns the frames.
     * A buffer returned with length 0 (refused by the device) is counted in {@link #refusedBuffers()}.
     * {@code sink} may send, flush and reclaim on any pair, and receive on another pair.
     *
     * @throws IllegalStateException when called from inside {@code sink} for the same pair
     */
    public int receive(int pair, FrameSink sink) {
        QueuePair q = pairs[pair];
        if (q.receiving) {
            throw new IllegalStateException("receive(" + pair + ") called from inside its own frame sink:"
                    + " the frame being handed out would be overwritten");
        }
        q.receiving = true;
        try {
            return receiveBatch(pair, q, sink);
        } finally {
            q.receiving = false;
        }
    }

    private int receiveBatch(int pair, QueuePair q, FrameSink sink) {
        int n = q.rx.reclaim(q.rxIds, q.rxLens, q.rxIds.length);
        // Resolve every head first: reposting frees heads that a later element of this batch names.
        for (int i = 0; i < n; i++) {
            q.slots[i] = q.rxSlotOfHead[q.rxIds[i]];
        }
        int frames = 0;
        for (int i = 0; i < n; i++) {
            int slot = q.slots[i];
            int length = q.rxLens[i];
            if (length > shape.rxBufferSize()) {
                badFrames++; // the device claims more than the buffer holds
                length = 0;
            }
            if (length == 0) {
                refusedBuffers++;
            } else if (q.frameBuffers == 0) {
                // Without MRG_RXBUF a frame is one buffer whatever num_buffers says: Linux's driver
                // ignores the field then, and the kernel's vhost-net leaves it 0.
                int buffers = length < HEADER ? 0
                        : !VirtioFeature.NET_MRG_RXBUF.in(negotiated) ? 1
                        : Short.toUnsignedInt(memory.slice(q.rxAddress(slot) + NUM_BUFFERS, 2).get(LE16, 0));
                if (buffers < 1) {
                    badFrames++;
                } else {
                    memory.read(q.rxAddress(slot), scratch, 0, length);
                    q.frameLength = length;
                    q.frameBuffers = buffers;
                    q.frameSeen = 1;
                }
            } else if (q.frameLength + length > scratch.byteSize()) {
                badFrames++; // more buffers than num_buffers can honestly announce
                q.frameBuffers = 0;
            } else {
                memory.read(q.rxAddress(slot), scratch, q.frameLength, length);
                q.frameLength += length;
                q.frameSeen++;
            }
            if (q.frameBuffers > 0 && q.frameSeen == q.frameBuffers) {
                sink.frame(pair, scratch.asSlice(0, q.frameLength), q.frameBuffers);
                q.frameBuffers = 0;
                frames++;
            }
            q.postReceive(slot);
        }
        if (n > 0) {
            q.rx.publish();
            kickIfWanted(q.rx, 2 * pair);
        }
        return frames;
    }

    /**
     * Queues {@code frame} (header + Ethernet frame) on pair {@code pair}'s transmit ring as one
     * chain over as many transmit buffers as it needs; false if the ring has no room now
     * (reclaimed transmit buffers are freed first). Call {@link #flush(int)} to publish.
     */
    public boolean send(int pair, MemorySegment frame) {
        QueuePair q = pairs[pair];
        int needed = (int) ((frame.byteSize() + shape.txBufferSize() - 1) / shape.txBufferSize());
        if (needed > shape.queueSize()) {
            throw new IllegalArgumentException(frame.byteSize() + " bytes need more than " + shape.queueSize() + " buffers");
        }
        if (q.freeTxSlots < needed || q.tx.freeCount() < needed) {
            reclaimTransmitted(pair);
            if (q.freeTxSlots < needed || q.tx.freeCount() < needed) {
                return false;
            }
        }
        long offset = 0;
        for (int i = 0; i < needed; i++) {
            int slot = q.txFree[--q.freeTxSlots];
            q.txSlots[i] = slot;
            int length = (int) Math.min(shape.txBufferSize(), frame.byteSize() - offset);
            memory.write(shape.txBuffer(pair, slot), frame, offset, length);
            q.addr[i] = shape.txBuffer(pair, slot);
            q.len[i] = length;
            q.writable[i] = false;
            offset += length;
        }
        int head = q.tx.add(q.addr, q.len, q.writable, needed);
        q.txSlotCount[head] = needed;
        System.arraycopy(q.txSlots, 0, q.txSlotsOfHead[head], 0, needed);
        return true;
    }

    /** Publishes queued transmit chains and notifies the device if it asks. */
    public void flush(int pair) {
        pairs[pair].tx.publish();
        kickIfWanted(pairs[pair].tx, 2 * pair + 1);
    }

    /** Frees the buffers of transmitted chains; returns how many chains came back. */
    public int reclaimTransmitted(int pair) {
        QueuePair q = pairs[pair];
        int n = q.tx.reclaim(q.txIds, q.txLens, q.txIds.length);
        for (int i = 0; i < n; i++) {
            int head = q.txIds[i];
            if (q.txLens[i] != 0) {
                nonZeroTxUsed++; // the device writes nothing into a transmit buffer (spec 5.1.6.2)
            }
            for (int s = 0; s < q.txSlotCount[head]; s++) {
                q.txFree[q.freeTxSlots++] = q.txSlotsOfHead[head][s];
            }
            q.txSlotCount[head] = 0;
        }
        return n;
    }

    /** Transmit chains queued and not yet returned. */
    public int transmitsInFlight(int pair) {
        return shape.queueSize() - pairs[pair].tx.freeCount();
    }

    /** VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET (spec 5.1.6.5.5); returns the ack (0 = OK). */
    public int setQueuePairs(int count) {
        return command(CLASS_MQ, MQ_VQ_PAIRS_SET, new byte[] {(byte) count, (byte) (count >>> 8)});
    }

    /** Sends one control command (class, command, data) and returns the device's ack byte. */
    public int command(int commandClass, int command, byte[] data) {
        if (controlQueue == null) {
            throw new IllegalStateException("no control queue: NET_CTRL_VQ not negotiated");
        }
        control.set(ValueLayout.JAVA_BYTE, 0, (byte) commandClass);
        control.set(ValueLayout.JAVA_BYTE, 1, (byte) command);
        MemorySegment.copy(data, 0, control, ValueLayout.JAVA_BYTE, 2, data.length);
        memory.write(CONTROL_COMMAND, control, 0, 2 + data.length);
        control.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x5a);
        memory.write(CONTROL_ACK, control, 0, 1);
        controlQueue.add(new long[] {CONTROL_COMMAND, CONTROL_ACK}, new int[] {2 + data.length, 1},
                new boolean[] {false, true}, 2);
        controlQueue.publish();
        // The device executes control commands on the notifying thread: the answer is there on return.
        mmio.write(MmioRegisters.QUEUE_NOTIFY, 4, controlIndex);
        int[] ids = new int[1];
        int[] lens = new int[1];
        if (controlQueue.reclaim(ids, lens, 1) != 1 || lens[0] != 1) {
            throw new AssertionError("control command " + commandClass + "/" + command + " not answered");
        }
        return memory.slice(CONTROL_ACK, 1).get(ValueLayout.JAVA_BYTE, 0);
    }

    /** Frames dropped here: bad num_buffers, or a used length longer than its buffer. */
    public long badFrames() {
        return badFrames;
    }

    /** Receive buffers the device returned with length 0. */
    public long refusedBuffers() {
        return refusedBuffers;
    }

    /** Transmit chains the device returned with a length other than 0. */
    public long nonZeroTransmitLengths() {
        return nonZeroTxUsed;
    }

    private void kickIfWanted(DriverQueue queue, int index) {
        if (queue.shouldKick()) {
            mmio.write(MmioRegisters.QUEUE_NOTIFY, 4, index);
        }
    }

    /** One rx/tx pair's rings and buffer bookkeeping. */
    private final class QueuePair {
        final int pair;
        final DriverQueue rx;
        final DriverQueue tx;
        final int[] rxSlotOfHead;
        final int[] txFree;
        final int[] txSlotCount;
        final int[][] txSlotsOfHead;
        final int[] txSlots;
        final int[] slots;
        /** Heads and used lengths of the last reclaim, apart per ring: a sink's transmit reclaim must not clobber the receive batch. */
        final int[] rxIds;
        final int[] rxLens;
        final int[] txIds;
        final int[] txLens;
        final long[] addr;
        final int[] len;
        final boolean[] writable;
        int freeTxSlots;
        int nextRxSlot;
        /** The frame being reassembled: buffers announced, buffers seen, bytes so far. */
        int frameBuffers;
        int frameSeen;
        int frameLength;
        /** A receive of this pair is handing out frames. */
        boolean receiving;

        QueuePair(int pair, DriverQueue rx, DriverQueue tx) {
            this.pair = pair;
            this.rx = rx;
            this.tx = tx;
            int size = shape.queueSize();
            rxSlotOfHead = new int[size];
            txFree = new int[size];
            txSlotCount = new int[size];
            txSlotsOfHead = new int[size][size];
            txSlots = new int[size];
            slots = new int[size];
            rxIds = new int[size];
            rxLens = new int[size];
            txIds = new int[size];
            txLens = new int[size];
            addr = new long[size];
            len = new int[size];
            writable = new boolean[size];
            for (int i = 0; i < size; i++) {
                txFree[i] = size - 1 - i;
            }
            freeTxSlots = size;
        }

        long rxAddress(int slot) {
            return shape.rxBuffer(pair, slot);
        }

        void postReceive(int slot) {
            addr[0] = rxAddress(slot);
            len[0] = shape.rxBufferSize();
            writable[0] = true;
            int head = rx.add(addr, len, writable, 1);
            rxSlotOfHead[head] = slot;
        }
    }
}
