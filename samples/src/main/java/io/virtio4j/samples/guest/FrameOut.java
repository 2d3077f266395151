package io.virtio4j.samples.guest;

import java.lang.foreign.MemorySegment;

/** Where a guest's stack sends a frame: its NIC's transmit ring. */
@FunctionalInterface
public interface FrameOut {
    /**
     * Queues the first {@code length} bytes of {@code frame} (an Ethernet frame, no virtio-net
     * header) for transmission; false if the ring has no room now.
     */
    boolean send(MemorySegment frame, int length);
}
