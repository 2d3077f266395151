package io.virtio4j.vhostuser;

import java.lang.foreign.MemorySegment;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.vring.DescriptorChain;

/**
 * Writes into a chain's device-writable buffers at a byte offset within them, so the virtio-net
 * header and the frame can be written straight into guest memory one after the other (one copy,
 * no staging buffer). Every write goes through {@link GuestMemory#write}, which re-checks bounds.
 */
final class ChainWriter {
    private ChainWriter() {
    }

    /**
     * Writes {@code length} bytes of {@code src} at {@code srcOffset} into the writable part of
     * {@code chain}, starting {@code chainOffset} bytes into it. Returns the bytes written (fewer
     * when the buffers end first).
     */
    static long write(GuestMemory memory, DescriptorChain chain, long chainOffset, MemorySegment src, long srcOffset, long length) {
        long skip = chainOffset;
        long done = 0;
        for (int i = chain.readableCount(); i < chain.count() && done < length; i++) {
            long bufLen = chain.length(i);
            if (skip >= bufLen) {
                skip -= bufLen;
                continue;
            }
            long run = Math.min(bufLen - skip, length - done);
            memory.write(chain.address(i) + skip, src, srcOffset + done, run);
            skip = 0;
            done += run;
        }
        return done;
    }
}
