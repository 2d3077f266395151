package io.virtio4j.vring;

import io.virtio4j.api.memory.GuestMemory;

import java.lang.foreign.MemorySegment;

/**
 * Copies payloads between a popped chain's buffers and host segments, without allocation.
 * Guest accesses go through {@link GuestMemory#read}/{@link GuestMemory#write}, which split at
 * region boundaries and re-check the ranges (the walker checked them, but guest memory may be
 * remapped between pop and copy by a vhost-user SET_MEM_TABLE).
 */
public final class ChainCopier {
    private final GuestMemory memory;

    public ChainCopier(GuestMemory memory) {
        this.memory = memory;
    }

    /**
     * Copies the chain's readable bytes, in order, to {@code dst} from {@code dstOffset}, at most
     * {@code max} bytes. Returns the bytes copied.
     */
    public long copyReadable(DescriptorChain chain, MemorySegment dst, long dstOffset, long max) {
        long done = 0;
        for (int i = 0; i < chain.readableCount() && done < max; i++) {
            long run = Math.min(chain.length(i), max - done);
            memory.read(chain.address(i), dst, dstOffset + done, run);
            done += run;
        }
        return done;
    }

    /**
     * Writes {@code length} bytes of {@code src} from {@code srcOffset} into the chain's writable
     * buffers, in order. Returns the bytes written: less than {@code length} when the buffers are
     * too small (the caller decides whether that is a truncation or an error).
     */
    public long writeWritable(DescriptorChain chain, MemorySegment src, long srcOffset, long length) {
        long done = 0;
        for (int i = chain.readableCount(); i < chain.count() && done < length; i++) {
            long run = Math.min(chain.length(i), length - done);
            memory.write(chain.address(i), src, srcOffset + done, run);
            done += run;
        }
        return done;
    }
}
