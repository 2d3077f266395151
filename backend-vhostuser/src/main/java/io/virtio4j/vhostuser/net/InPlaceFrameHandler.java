package io.virtio4j.vhostuser.net;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.vring.ChainCursor;
import io.virtio4j.vring.DescriptorChain;

/**
 * Receives one frame the front-end transmitted, in place in its guest memory: nothing has been
 * copied. The chain is valid only during the call (it goes back on the used ring right after the
 * burst); read it with a {@link ChainCursor} or hand it to {@link VhostUserNetPort#deliver} of
 * another port, which copies it once.
 */
@FunctionalInterface
public interface InPlaceFrameHandler {
    /**
     * @param memory the front-end's guest memory the chain's addresses belong to
     * @param chain  the TX chain (readable buffers only are the frame)
     * @param offset where the frame starts in the chain's readable bytes (past the virtio-net header)
     * @param length the frame's length, already checked against the port's maximum frame
     */
    void frame(GuestMemory memory, DescriptorChain chain, long offset, long length);
}
