package io.virtio4j.vring;

import io.virtio4j.api.memory.GuestMemory;

import java.lang.foreign.MemorySegment;

/**
 * Copies payloads between a popped chain's buffers and host segments, without allocation: the
 * common cases of a {@link ChainCursor} pair over one queue's memory, for devices that move a
 * whole payload at a time. Translation goes through the cursors' region caches; a chain must come
 * from a queue over this copier's memory (a new memory map means a new queue and a new copier).
 * Single-threaded, one per queue.
 */
public final class ChainCopier {
    private final GuestMemory memory;
    private final ChainCursor reader = new ChainCursor();
    private final ChainCursor writer = new ChainCursor();

    /** A copier over {@code memory}, the guest memory the chains' addresses are in. */
    public ChainCopier(GuestMemory memory) {
        this.memory = memory;
    }

    /**
     * Copies the chain's readable bytes, in order, to {@code dst} from {@code dstOffset}, at most
     * {@code max} bytes. Returns the bytes copied.
     */
    public long copyReadable(DescriptorChain chain, MemorySegment dst, long dstOffset, long max) {
        return reader.readable(memory, chain).read(dst, dstOffset, max);
    }

    /**
     * Writes {@code length} bytes of {@code src} from {@code srcOffset} into the chain's writable
     * buffers, in order. Returns the bytes written: less than {@code length} when the buffers are
     * too small (the caller decides whether that is a truncation or an error).
     */
    public long writeWritable(DescriptorChain chain, MemorySegment src, long srcOffset, long length) {
        return writeWritable(chain, 0, src, srcOffset, length);
    }

    /**
     * Writes {@code length} bytes of {@code src} from {@code srcOffset} into the chain's writable
     * buffers starting {@code chainOffset} bytes into them, so a header and a frame (or just the
     * header field the kernel left out) land straight in guest memory, whatever the driver's split
     * of its buffers. Returns the bytes written (fewer when the buffers end first).
     */
    public long writeWritable(DescriptorChain chain, long chainOffset, MemorySegment src, long srcOffset, long length) {
        ChainCursor w = writer.writable(memory, chain);
        w.skip(chainOffset);
        return w.write(src, srcOffset, length);
    }

    /**
     * Copies the readable bytes of {@code src} (a chain of {@code srcMemory}) straight into the
     * writable buffers of {@code dst} (a chain of this copier's memory), stopping at whichever side
     * ends first; returns the bytes copied. A length-limited copy: {@link ChainCursor#copyTo}.
     *
     * @param srcSkip readable bytes of {@code src} to skip first (e.g. a header the caller rewrote)
     * @param dstSkip writable bytes of {@code dst} to skip first (e.g. room for a header)
     */
    public long copyChain(GuestMemory srcMemory, DescriptorChain src, long srcSkip, DescriptorChain dst, long dstSkip) {
        ChainCursor r = reader.readable(srcMemory, src);
        ChainCursor w = writer.writable(memory, dst);
        r.skip(srcSkip);
        w.skip(dstSkip);
        return r.copyTo(w, Long.MAX_VALUE);
    }
}
