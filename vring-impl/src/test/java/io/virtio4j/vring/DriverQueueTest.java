package io.virtio4j.vring;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.queue.QueueLayout;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DriverQueueTest {
    private final GuestMemory memory = GuestMemory.anonymous(Arena.ofAuto(), 0, 0x10000);
    private final QueueLayout layout = QueueLayout.contiguous(4, 0x1000, false, true);
    private final DriverQueue driver = new DriverQueue(memory, layout, 0x4000, 4);
    private final SplitRing raw = SplitRing.map(memory, layout);
    private final long[] addr = {0x8000, 0x8100, 0x8200};
    private final int[] len = {1, 2, 3};

    @Test
    void refusesMisuse() {
        assertEquals(VirtqueueException.Reason.DRIVER_MISUSE, assertThrows(VirtqueueException.class,
                () -> driver.add(addr, len, new boolean[]{true, false, false}, 2)).reason());
        assertEquals(VirtqueueException.Reason.DRIVER_MISUSE, assertThrows(VirtqueueException.class,
                () -> driver.add(addr, len, new boolean[3], 0)).reason());
        driver.add(addr, len, new boolean[3], 3);
        assertEquals(VirtqueueException.Reason.DRIVER_MISUSE, assertThrows(VirtqueueException.class,
                () -> driver.add(addr, len, new boolean[3], 2)).reason());
        assertEquals(VirtqueueException.Reason.DRIVER_MISUSE, assertThrows(VirtqueueException.class,
                () -> driver.addIndirect(new long[5], new int[5], new boolean[5], 5)).reason());
    }

    @Test
    void reclaimFreesDescriptorsAndSkipsIdsItNeverHandedOut() {
        int head = driver.add(addr, len, new boolean[3], 3);
        int indirect = driver.addIndirect(addr, len, new boolean[3], 3);
        assertEquals(0, driver.freeCount());
        driver.publish();
        raw.usedEntry(0, 1, 0);          // bogus: descriptor 1 is inside a chain, not a head
        raw.usedEntry(1, 99, 0);         // bogus: out of range
        raw.usedEntry(2, indirect, 7);
        raw.usedEntry(3, head, 5);
        raw.usedIdxRelease(4);
        int[] ids = new int[4];
        int[] lens = new int[4];
        assertEquals(2, driver.reclaim(ids, lens, 4));
        assertEquals(indirect, ids[0]);
        assertEquals(7, lens[0]);
        assertEquals(head, ids[1]);
        assertEquals(2, driver.badUsed());
        assertEquals(4, driver.freeCount());
        // The free list is intact: four single-descriptor chains fit again.
        for (int i = 0; i < 4; i++) {
            driver.add(addr, len, new boolean[1], 1);
        }
        assertEquals(0, driver.freeCount());
    }
}
