package io.virtio4j.vring;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestMemoryException;

import java.lang.foreign.MemorySegment;

/** Layout checks both ring kinds make once, at map time: alignment, and each part inside one region. */
final class Rings {
    private Rings() {
    }

    static void checkAligned(String what, long address, int alignment) {
        if ((address & (alignment - 1)) != 0) {
            throw new VirtqueueException(VirtqueueException.Reason.MISALIGNED,
                    "%s at 0x%x is not %d-aligned".formatted(what, address, alignment));
        }
    }

    static MemorySegment sliceOne(GuestMemory memory, String what, long address, long length) {
        try {
            return memory.slice(address, length);
        } catch (GuestMemoryException e) {
            throw new VirtqueueException(VirtqueueException.Reason.NOT_IN_ONE_REGION,
                    "%s [0x%x, +%d): %s".formatted(what, address, length, e.getMessage()));
        }
    }
}
