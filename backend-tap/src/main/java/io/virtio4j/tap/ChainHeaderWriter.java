package io.virtio4j.tap;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.vring.DescriptorChain;

import java.lang.foreign.MemorySegment;

/**
 * Writes bytes of the virtio-net header the TAP does not fill into a receive chain's writable
 * buffers. The kernel writes only the 10-byte virtio_net_hdr and skips num_buffers (tun_put_user
 * advances over the rest of TUNSETVNETHDRSZ), so with VERSION_1 we must set num_buffers = 1; without
 * IFF_VNET_HDR we write the whole header. The header may be split over descriptors by the driver.
 */
final class ChainHeaderWriter {
    private final GuestMemory memory;

    ChainHeaderWriter(GuestMemory memory) {
        this.memory = memory;
    }

    /**
     * Copies {@code header[from, to)} to chain offsets [from, to) of the writable bytes. The caller
     * checked the chain has at least {@code to} writable bytes.
     */
    void write(DescriptorChain chain, MemorySegment header, long from, long to) {
        long position = 0;
        for (int d = 0; d < chain.count() && position < to; d++) {
            if (!chain.isWritable(d)) {
                continue;
            }
            long length = chain.length(d);
            long start = Math.max(from, position);
            long end = Math.min(to, position + length);
            if (start < end) {
                // In bounds: GuestMemory.write checks the guest range; [start, end) is inside the
                // header segment because to <= header size (caller) and start >= from >= 0.
                memory.write(chain.address(d) + (start - position), header, start, end - start);
            }
            position += length;
        }
    }
}
