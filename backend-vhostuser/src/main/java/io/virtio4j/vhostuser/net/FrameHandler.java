package io.virtio4j.vhostuser.net;

import java.lang.foreign.MemorySegment;

/** Receives one frame the front-end transmitted; the bytes are valid only during the call. */
@FunctionalInterface
public interface FrameHandler {
    /** The frame is {@code length} bytes of {@code buffer} from {@code offset} (virtio-net header removed). */
    void frame(MemorySegment buffer, long offset, long length);
}
