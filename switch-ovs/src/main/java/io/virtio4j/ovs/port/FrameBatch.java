package io.virtio4j.ovs.port;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import io.virtio4j.ovs.pipeline.FramePipeline;

/**
 * One receive burst as the PMD holds it: up to {@link #SIZE} frames a port put in its slots, each
 * with its first {@link FramePipeline#HEADER_BYTES} bytes already read into the slot's header (the
 * pipeline's view). Reused burst after burst by one PMD thread: a flyweight, nothing allocated per
 * frame. The frames are the port's own objects and stay valid until the port's
 * {@link SwitchPort#release}.
 */
public final class FrameBatch {
    /** Frames per burst, as OVS's NETDEV_MAX_BURST. */
    public static final int SIZE = SwitchPort.BURST;

    private final Frame[] frames = new Frame[SIZE];
    private final MemorySegment[] headers = new MemorySegment[SIZE];
    private final int[] headerLengths = new int[SIZE];
    private int count;

    /**
     * An empty batch with its header slots allocated up front (in an automatic arena, freed with
     * the batch), so nothing is allocated per burst. Each frame executor (one per PMD thread) owns one.
     */
    public FrameBatch() {
        MemorySegment all = Arena.ofAuto().allocate((long) SIZE * FramePipeline.HEADER_BYTES, 8);
        for (int i = 0; i < SIZE; i++) {
            // In bounds: slot i is bytes [i * HEADER_BYTES, (i + 1) * HEADER_BYTES) of the allocation.
            headers[i] = all.asSlice((long) i * FramePipeline.HEADER_BYTES, FramePipeline.HEADER_BYTES);
        }
    }

    /** Empties the batch for the next burst. */
    public void clear() {
        for (int i = 0; i < count; i++) {
            frames[i] = null;
        }
        count = 0;
    }

    /** Frames the port put in this burst: slots {@code 0 .. count() - 1} are valid. */
    public int count() {
        return count;
    }

    /** Slots still free in this burst. */
    public int room() {
        return SIZE - count;
    }

    /**
     * Puts {@code frame} in the next slot, its first bytes read into the slot's header. If the
     * read throws (a guest remapped its memory under the frame), the slot stays free and the
     * exception reaches the port, whose drop it is. One overload per frame kind, so each port's
     * header read is a direct call the JIT inlines, not an interface dispatch shared by all ports.
     */
    public void add(GuestFrame frame) {
        int headerLength = headerLength(frame);
        // In bounds: headerLength <= HEADER_BYTES, the slot's size, and <= the frame's length.
        frame.read(0, headers[count], 0, headerLength);
        put(frame, headerLength);
    }

    /** As {@link #add(GuestFrame)} for a frame in host memory. */
    public void add(HostFrame frame) {
        int headerLength = headerLength(frame);
        // In bounds: headerLength <= HEADER_BYTES, the slot's size, and <= the frame's length.
        frame.read(0, headers[count], 0, headerLength);
        put(frame, headerLength);
    }

    /**
     * The header bytes read for {@code frame}; throws when the batch is full. Ports hand over at
     * most {@link SwitchPort#MAX_FRAME} bytes, so the result fits an int.
     */
    private int headerLength(Frame frame) {
        if (count == SIZE) {
            throw new IllegalStateException("a port put more than " + SIZE + " frames in a burst");
        }
        return (int) Math.min(frame.length(), FramePipeline.HEADER_BYTES);
    }

    private void put(Frame frame, int headerLength) {
        headerLengths[count] = headerLength;
        frames[count++] = frame;
    }

    /**
     * Takes the last frame added back out of the batch (its port refused it after reading its
     * header: a bad virtio-net header); its slot is free again.
     */
    public void dropLast() {
        if (count == 0) {
            throw new IllegalStateException("no frame to drop");
        }
        frames[--count] = null;
    }

    /**
     * The frame in slot {@code i}, where it lies (guest or host memory), for the executor to hand
     * to the output ports; valid until the receiving port's {@link SwitchPort#release}.
     *
     * @throws IndexOutOfBoundsException if {@code i} is not below {@link #count()}
     */
    public Frame frame(int i) {
        return frames[java.util.Objects.checkIndex(i, count)];
    }

    /** Slot {@code i}'s copy of the frame's first {@link #headerLength} bytes. */
    public MemorySegment header(int i) {
        return headers[java.util.Objects.checkIndex(i, count)];
    }

    /**
     * How many bytes of slot {@code i}'s {@link #header} hold the frame's start: the frame's length
     * capped at {@link FramePipeline#HEADER_BYTES}. The pipeline must not read past it.
     *
     * @throws IndexOutOfBoundsException if {@code i} is not below {@link #count()}
     */
    public int headerLength(int i) {
        return headerLengths[java.util.Objects.checkIndex(i, count)];
    }
}
