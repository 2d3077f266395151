package io.virtio4j.vring;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestRegion;
import io.virtio4j.api.queue.QueueLayout;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SplitRingTest {
    private final Arena arena = Arena.ofAuto();
    private final GuestMemory memory = GuestMemory.of(
            GuestRegion.of(0, arena.allocate(0x10000, 4096)),
            GuestRegion.of(0x10000, arena.allocate(0x10000, 4096)));

    private VirtqueueException.Reason refused(QueueLayout layout) {
        return assertThrows(VirtqueueException.class, () -> SplitRing.map(memory, layout)).reason();
    }

    @Test
    void sizeMustBeAPowerOfTwoUpTo32768() {
        assertEquals(VirtqueueException.Reason.BAD_SIZE, refused(new QueueLayout(0, 0, 0x800, 0x1000, false, false)));
        assertEquals(VirtqueueException.Reason.BAD_SIZE, refused(new QueueLayout(3, 0, 0x800, 0x1000, false, false)));
        assertEquals(VirtqueueException.Reason.BAD_SIZE, refused(new QueueLayout(65536, 0, 0x800, 0x1000, false, false)));
        assertEquals(1, SplitRing.map(memory, QueueLayout.contiguous(1, 0, false, false)).size());
        assertEquals(256, SplitRing.map(memory, QueueLayout.contiguous(256, 0x100, true, true)).size());
    }

    @Test
    void ringsMustBeAlignedPerSpec27() {
        assertEquals(VirtqueueException.Reason.MISALIGNED, refused(new QueueLayout(8, 8, 0x800, 0x1000, false, false)));
        assertEquals(VirtqueueException.Reason.MISALIGNED, refused(new QueueLayout(8, 0, 0x801, 0x1000, false, false)));
        assertEquals(VirtqueueException.Reason.MISALIGNED, refused(new QueueLayout(8, 0, 0x800, 0x1002, false, false)));
    }

    @Test
    void eachRingMustLieInOneRegion() {
        // Used ring straddles the 0x10000 boundary between the two regions.
        assertEquals(VirtqueueException.Reason.NOT_IN_ONE_REGION, refused(new QueueLayout(8, 0, 0x800, 0x10000 - 16, false, false)));
        // Descriptor table past the end of guest memory.
        assertEquals(VirtqueueException.Reason.NOT_IN_ONE_REGION, refused(new QueueLayout(8, 0x1fff0, 0x800, 0x1000, false, false)));
        assertEquals(VirtqueueException.Reason.NOT_IN_ONE_REGION, refused(new QueueLayout(8, 0x40000, 0x800, 0x1000, false, false)));
    }

    @Test
    void contiguousLayoutPlacesUsedRingOnA4ByteBoundary() {
        QueueLayout l = QueueLayout.contiguous(2, 0, false, false);
        assertEquals(32, l.availAddr());
        assertEquals(32 + 12, l.usedAddr());
        assertEquals(44 + 22, l.contiguousBytes());
    }

    @Test
    void needEventMatchesLinuxVringNeedEventIncludingWrap() {
        // event inside [old, new) -> notify
        assertTrue(SplitRing.needEvent(5, 6, 5));
        assertTrue(SplitRing.needEvent(5, 10, 0));
        assertFalse(SplitRing.needEvent(10, 10, 0));
        assertFalse(SplitRing.needEvent(4, 6, 5));
        // wrap: old 65534, new 2, event 65535 and 1 are inside, 2 is not
        assertTrue(SplitRing.needEvent(65535, 2, 65534));
        assertTrue(SplitRing.needEvent(1, 2, 65534));
        assertFalse(SplitRing.needEvent(2, 2, 65534));
    }
}
