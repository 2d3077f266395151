package io.virtio4j.ovs.datapath;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.virtio4j.ovs.port.SwitchPort;

import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * Frames the control side puts into the data path at one port (OpenFlow PACKET_OUT): either to be
 * sent out of the port as they are ({@link #TRANSMIT}) or to be switched as if the port had
 * received them ({@link #RECEIVE}). A bounded Agrona ring over direct memory allocated once per
 * port: the control side copies a frame in (any thread, never blocking: a full ring refuses it and
 * counts it), and the PMD that polls the port reads them within its burst, copying each into its own
 * preallocated buffers, so nothing is allocated or locked per frame. A port polled by more than one
 * PMD (several queue pairs) has one reader at a time: whoever wins a compare-and-set, taken only
 * when the ring holds something.
 */
public final class InjectionRing {
    /** Send the frame out of this port unchanged. */
    public static final int TRANSMIT = 1;
    /** Switch the frame as received on this port (the pipeline decides where it goes). */
    public static final int RECEIVE = 2;
    /** Ring bytes: a few dozen standard frames or seven jumbo frames waiting for the PMD. */
    static final int RING_BYTES = 1 << 16;

    private final RingBuffer ring;
    private final MemorySegment memory;
    private final AtomicBoolean reading = new AtomicBoolean();
    private final AtomicLong refused = new AtomicLong();

    /** An empty ring (made per port by {@link CaptureSlot#injection}). */
    public InjectionRing() {
        ByteBuffer bytes = ByteBuffer.allocateDirect(RING_BYTES + RingBufferDescriptor.TRAILER_LENGTH);
        this.ring = new ManyToOneRingBuffer(new UnsafeBuffer(bytes));
        this.memory = MemorySegment.ofBuffer(bytes);
    }

    /**
     * Queues {@code frame} ({@link #TRANSMIT} or {@link #RECEIVE}); false, counted in
     * {@link #refused()}, when the ring has no room or the frame is longer than a port takes. Any thread.
     */
    public boolean offer(int kind, byte[] frame) {
        if (kind != TRANSMIT && kind != RECEIVE) {
            throw new IllegalArgumentException("injection kind " + kind);
        }
        if (frame.length > SwitchPort.MAX_FRAME || frame.length > ring.maxMsgLength()) {
            refused.incrementAndGet();
            return false;
        }
        int index = ring.tryClaim(kind, frame.length);
        if (index < 0) {
            refused.incrementAndGet();
            return false;
        }
        // In bounds: the claim reserved frame.length bytes at index inside the ring's memory.
        MemorySegment.copy(frame, 0, memory, ValueLayout.JAVA_BYTE, index, frame.length);
        ring.commit(index);
        return true;
    }

    /** Frames refused because the ring was full (the PMD had not caught up) or too long. */
    public long refused() {
        return refused.get();
    }

    /** Whether frames wait (the PMD's one check per burst: two volatile reads). */
    boolean pending() {
        return ring.size() > 0;
    }

    /**
     * Hands up to {@code limit} waiting frames to {@code handler} (type = kind, offset and length in
     * {@link #memory()}); the frame's bytes are valid only during the call. 0 when another PMD reads.
     */
    int drain(MessageHandler handler, int limit) {
        if (limit <= 0 || !reading.compareAndSet(false, true)) {
            return 0;
        }
        try {
            return ring.read(handler, limit);
        } finally {
            reading.set(false);
        }
    }

    /** The ring's memory, which the handler's offsets index. */
    MemorySegment memory() {
        return memory;
    }
}
