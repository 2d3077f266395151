package io.virtio4j.samples.guest;

import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/** A guest's NIC as its IP stack sees it: frames out, frames in (Ethernet frames, no virtio-net header). */
public interface NicDriver extends FrameOut {
    /** Hands every frame received since the last call to {@code frames} (valid only during the call); returns the count. */
    int receive(Consumer<MemorySegment> frames);
}
