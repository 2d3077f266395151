package io.virtio4j.vring;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestMemoryException;
import io.virtio4j.api.queue.QueueLayout;

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

    /**
     * A ring kind's three areas (the spec's Descriptor, Driver and Device Areas) by name and
     * required guest alignment: {@link #slice} checks every alignment, then slices each area from
     * one region, in that order, so both ring kinds validate a layout the same way.
     */
    record Parts(String descriptor, int descriptorAlignment, String driver, int driverAlignment,
                 String device, int deviceAlignment) {
        /** The Descriptor, Driver and Device Areas of {@code layout}, in that order. */
        MemorySegment[] slice(GuestMemory memory, QueueLayout layout) {
            checkAligned(descriptor, layout.descAddr(), descriptorAlignment);
            checkAligned(driver, layout.availAddr(), driverAlignment);
            checkAligned(device, layout.usedAddr(), deviceAlignment);
            return new MemorySegment[] {
                sliceOne(memory, descriptor, layout.descAddr(), layout.descBytes()),
                sliceOne(memory, driver, layout.availAddr(), layout.availBytes()),
                sliceOne(memory, device, layout.usedAddr(), layout.usedBytes())};
        }
    }
}
