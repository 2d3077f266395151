package io.virtio4j.vhostuser;

import java.lang.foreign.MemorySegment;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.vring.DescriptorChain;

/**
 * Byte ranges of popped chains addressed by offset and length, for a switch that reads and copies
 * frames in place: a header read from the middle of a TX chain, and a length-limited copy from one
 * guest's TX chain into another guest's RX chain. vring-impl's {@code ChainCopier.copyChain} copies
 * to whichever side ends first and cannot stop after n bytes, which a copy that writes a rewritten
 * header first and then the rest of the frame needs. Allocation-free; every guest access goes
 * through {@link GuestMemory}, which re-checks the range against the current memory map.
 */
public final class ChainRanges {
    private ChainRanges() {
    }

    /**
     * Copies {@code length} readable bytes of {@code chain} starting {@code offset} bytes into them
     * to {@code dst} at {@code dstOffset}. Returns the bytes copied (fewer when the chain ends first).
     *
     * @throws io.virtio4j.api.memory.GuestMemoryException if the memory map changed under the chain
     * @throws IndexOutOfBoundsException if {@code dst} is too small
     */
    public static long read(GuestMemory memory, DescriptorChain chain, long offset, MemorySegment dst, long dstOffset, long length) {
        long skip = offset;
        long done = 0;
        for (int i = 0; i < chain.readableCount() && done < length; i++) {
            long bufferLength = chain.length(i);
            if (skip >= bufferLength) {
                skip -= bufferLength;
                continue;
            }
            long run = Math.min(bufferLength - skip, length - done);
            // [skip, skip + run) lies in readable buffer i; GuestMemory.read re-checks the guest range.
            memory.read(chain.address(i) + skip, dst, dstOffset + done, run);
            skip = 0;
            done += run;
        }
        return done;
    }

    /**
     * Copies {@code length} readable bytes of {@code src} (in {@code srcMemory}) starting
     * {@code srcOffset} bytes into them, into the writable bytes of {@code dst} (in
     * {@code dstMemory}) starting {@code dstOffset} bytes into them: the switch's one copy of a
     * frame from one guest to another. Returns the bytes copied (fewer when either side ends first).
     */
    public static long copy(GuestMemory srcMemory, DescriptorChain src, long srcOffset,
                            GuestMemory dstMemory, DescriptorChain dst, long dstOffset, long length) {
        int si = 0;
        long sOff = srcOffset;
        int di = dst.readableCount();
        long dOff = dstOffset;
        long done = 0;
        while (done < length && si < src.readableCount() && di < dst.count()) {
            long sLen = src.length(si);
            if (sOff >= sLen) {
                sOff -= sLen;
                si++;
                continue;
            }
            long dLen = dst.length(di);
            if (dOff >= dLen) {
                dOff -= dLen;
                di++;
                continue;
            }
            long run = Math.min(length - done, Math.min(sLen - sOff, dLen - dOff));
            // Both ranges lie inside one validated buffer each; copyFrom re-checks them against the
            // current maps (a SET_MEM_TABLE may have replaced a region since the pop).
            dstMemory.copyFrom(srcMemory, src.address(si) + sOff, dst.address(di) + dOff, run);
            sOff += run;
            dOff += run;
            done += run;
        }
        return done;
    }
}
