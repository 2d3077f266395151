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

    /** A copier over {@code memory}, the guest memory the chains' addresses are in. */
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
        return writeWritable(chain, 0, src, srcOffset, length);
    }

    /**
     * Writes {@code length} bytes of {@code src} from {@code srcOffset} into the chain's writable
     * buffers starting {@code chainOffset} bytes into them, so a header and a frame (or just the
     * header field the kernel left out) land straight in guest memory, whatever the driver's split
     * of its buffers. Returns the bytes written (fewer when the buffers end first).
     */
    public long writeWritable(DescriptorChain chain, long chainOffset, MemorySegment src, long srcOffset, long length) {
        long skip = chainOffset;
        long done = 0;
        for (int i = chain.readableCount(); i < chain.count() && done < length; i++) {
            long bufferLength = chain.length(i);
            if (skip >= bufferLength) {
                skip -= bufferLength;
                continue;
            }
            long run = Math.min(bufferLength - skip, length - done);
            // GuestMemory.write re-checks the guest range; [skip, skip + run) lies in buffer i.
            memory.write(chain.address(i) + skip, src, srcOffset + done, run);
            skip = 0;
            done += run;
        }
        return done;
    }

    /**
     * Copies the readable bytes of {@code src} (a chain of {@code srcMemory}) straight into the
     * writable buffers of {@code dst} (a chain of this copier's memory): the one copy of a frame
     * from one guest to another, with no host buffer in between. Stops at whichever side ends
     * first; returns the bytes copied. Allocation-free.
     *
     * @param srcSkip readable bytes of {@code src} to skip first (e.g. a header the caller rewrote)
     * @param dstSkip writable bytes of {@code dst} to skip first (e.g. room for a header)
     */
    public long copyChain(GuestMemory srcMemory, DescriptorChain src, long srcSkip, DescriptorChain dst, long dstSkip) {
        int si = 0;
        long sOff = srcSkip;
        int di = dst.readableCount();
        long dOff = dstSkip;
        long done = 0;
        while (si < src.readableCount() && di < dst.count()) {
            long sLen = src.length(si);
            long dLen = dst.length(di);
            if (sOff >= sLen) {
                sOff -= sLen;
                si++;
                continue;
            }
            if (dOff >= dLen) {
                dOff -= dLen;
                di++;
                continue;
            }
            long run = Math.min(sLen - sOff, dLen - dOff);
            // Both ranges lie inside buffers the walker validated; copyFrom re-checks them against
            // the current memory maps (a vhost-user SET_MEM_TABLE may have replaced them).
            memory.copyFrom(srcMemory, src.address(si) + sOff, dst.address(di) + dOff, run);
            sOff += run;
            dOff += run;
            done += run;
        }
        return done;
    }
}
