package io.virtio4j.ovs.datapath;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

import io.virtio4j.ovs.port.Frame;
import io.virtio4j.ovs.port.FrameBatch;
import io.virtio4j.ovs.port.TxBatch;

import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * One running capture of one port: the PMD threads copy each frame it receives and/or sends, as
 * on the wire of that port, into a preallocated many-to-one ring (several PMDs may send to one
 * port), and a writer thread drains the ring ({@link #drain}) into a file. Nothing is allocated
 * and nothing blocks on the PMD: a frame that finds the ring full is counted ({@link #dropped})
 * and skipped, and a failure while copying costs the copy, never the frame.
 *
 * <p>A record is {@link #RECORD_HEADER} bytes (wall-clock nanoseconds, frame length) then the
 * frame; its message type says the direction ({@link #RX} or {@link #TX}).
 */
public final class PortCapture {
    /** Direction bit and message type: frames the switch received from the port. */
    public static final int RX = 1;
    /** Direction bit and message type: frames the switch sent to the port. */
    public static final int TX = 2;
    /** Bytes before each record's frame: the timestamp (8) and the frame's length (4), padded to 16. */
    public static final int RECORD_HEADER = 16;

    private final int directions;
    private final ManyToOneRingBuffer ring;
    private final MemorySegment memory;
    /** Wall-clock nanoseconds minus {@link System#nanoTime()} when the capture started. */
    private final long epochOffset;
    private final AtomicLong dropped = new AtomicLong();

    /**
     * A capture of {@code directions} ({@link #RX}, {@link #TX} or both) with a ring of
     * {@code ringBytes} (a power of two, at least 64 KiB).
     */
    public PortCapture(int directions, int ringBytes, long epochOffset) {
        if ((directions & (RX | TX)) == 0 || (directions & ~(RX | TX)) != 0) {
            throw new IllegalArgumentException("directions must be RX, TX or both");
        }
        if (ringBytes < 1 << 16 || Integer.bitCount(ringBytes) != 1) {
            throw new IllegalArgumentException("the ring must be a power of two of at least 64 KiB: " + ringBytes);
        }
        ByteBuffer buffer = ByteBuffer.allocateDirect(ringBytes + RingBufferDescriptor.TRAILER_LENGTH);
        this.directions = directions;
        this.ring = new ManyToOneRingBuffer(new UnsafeBuffer(buffer));
        this.memory = MemorySegment.ofBuffer(buffer);
        this.epochOffset = epochOffset;
    }

    /** Whether this capture takes the frames of {@code direction}. */
    public boolean captures(int direction) {
        return (directions & direction) != 0;
    }

    /** Frames not captured: the ring was full, or copying one failed. */
    public long dropped() {
        return dropped.get();
    }

    /** PMD side: copies the first {@code count} frames of a received burst, as the port handed them over. */
    void rx(FrameBatch batch, int count) {
        if ((directions & RX) == 0) {
            return;
        }
        long now = epochOffset + System.nanoTime();
        for (int i = 0; i < count; i++) {
            Frame f = batch.frame(i);
            copy(RX, now, null, 0, f, 0);
        }
    }

    /**
     * PMD side: copies what a burst sent to the port (each sent entry's head and rest of frame). A
     * port that sends in order and stops at the first full ring sent the first
     * {@link TxBatch#sentFrames()} entries; a multi-queue port that found one queue full may have
     * sent any of them, so such a burst is counted as not captured rather than guessed.
     */
    void tx(TxBatch batch, boolean multiQueue) {
        if ((directions & TX) == 0) {
            return;
        }
        int sent = batch.sentFrames();
        if (sent < batch.count() && multiQueue) {
            dropped.addAndGet(sent);
            return;
        }
        long now = epochOffset + System.nanoTime();
        for (int i = 0; i < sent; i++) {
            copy(TX, now, batch.head(i), batch.headLength(i), batch.frame(i), batch.resume(i));
        }
    }

    private void copy(int direction, long timestamp, MemorySegment head, int headLength, Frame frame, long resume) {
        long rest = frame.length() - resume;
        int length = (int) (headLength + rest);
        int index;
        try {
            index = ring.tryClaim(direction, RECORD_HEADER + length);
        } catch (IllegalArgumentException tooLong) {
            index = -1;
        }
        if (index < 0) {
            dropped.incrementAndGet();
            return;
        }
        try {
            ring.buffer().putLong(index, timestamp);
            ring.buffer().putInt(index + 8, length);
            if (headLength > 0) {
                MemorySegment.copy(head, 0, memory, index + RECORD_HEADER, headLength);
            }
            frame.read(resume, memory, index + RECORD_HEADER + headLength, rest);
            ring.commit(index);
        } catch (RuntimeException e) {
            // A guest's buffer unmapped under us: the copy is lost, the frame itself was handled.
            ring.abort(index);
            dropped.incrementAndGet();
        }
    }

    /**
     * Writer side: hands up to {@code limit} records to {@code handler} (message type = direction,
     * {@link #RECORD_HEADER} bytes then the frame); returns how many.
     */
    public int drain(MessageHandler handler, int limit) {
        return ring.read(handler, limit);
    }
}
