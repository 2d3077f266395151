package io.virtio4j.vhostuser;

import java.lang.foreign.MemorySegment;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.vring.ChainCursor;
import io.virtio4j.vring.DescriptorChain;

/**
 * Byte ranges of popped chains addressed by offset and length: a header read from the middle of a
 * TX chain, and a length-limited copy from one guest's TX chain into another guest's RX chain.
 *
 * @deprecated a transitional delegate to vring-impl's {@link ChainCursor}, which does both (and
 *             keeps its region cache between frames): a caller that owns a reader and a writer
 *             cursor does {@code reader.readable(memory, chain).skip(offset); reader.read(dst, dstOffset, length)}
 *             and {@code reader.readable(srcMemory, src).skip(srcOffset); writer.writable(dstMemory, dst).skip(dstOffset);
 *             reader.copyTo(writer, length)}. These static forms cost a {@code ThreadLocal} lookup per call.
 */
@Deprecated
public final class ChainRanges {
    /** A reader and a writer cursor per thread: the static API has nowhere else to keep them. */
    private static final ThreadLocal<ChainCursor[]> CURSORS =
            ThreadLocal.withInitial(() -> new ChainCursor[] {new ChainCursor(), new ChainCursor()});

    private ChainRanges() {
    }

    /**
     * Copies {@code length} readable bytes of {@code chain} starting {@code offset} bytes into them
     * to {@code dst} at {@code dstOffset}. Returns the bytes copied (fewer when the chain ends first).
     *
     * @throws io.virtio4j.api.memory.GuestMemoryException if a buffer is not mapped in {@code memory}
     * @throws IndexOutOfBoundsException if {@code dst} is too small
     */
    public static long read(GuestMemory memory, DescriptorChain chain, long offset, MemorySegment dst, long dstOffset, long length) {
        ChainCursor reader = CURSORS.get()[0].readable(memory, chain);
        reader.skip(offset);
        return reader.read(dst, dstOffset, length);
    }

    /**
     * Copies {@code length} readable bytes of {@code src} (in {@code srcMemory}) starting
     * {@code srcOffset} bytes into them, into the writable bytes of {@code dst} (in
     * {@code dstMemory}) starting {@code dstOffset} bytes into them: the switch's one copy of a
     * frame from one guest to another. Returns the bytes copied (fewer when either side ends first).
     */
    public static long copy(GuestMemory srcMemory, DescriptorChain src, long srcOffset,
                            GuestMemory dstMemory, DescriptorChain dst, long dstOffset, long length) {
        ChainCursor[] cursors = CURSORS.get();
        ChainCursor reader = cursors[0].readable(srcMemory, src);
        ChainCursor writer = cursors[1].writable(dstMemory, dst);
        reader.skip(srcOffset);
        writer.skip(dstOffset);
        return reader.copyTo(writer, length);
    }
}
