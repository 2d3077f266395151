package io.virtio4j.vhostnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestRegion;
import io.virtio4j.api.queue.QueueLayout;

/** Guest-physical ring addresses become this process's addresses, and only when each part lies in one region. */
class RingAddressesTest {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment low = arena.allocate(0x4000, 4096);
    private final MemorySegment high = arena.allocate(0x4000, 4096);
    private final GuestMemory memory = GuestMemory.of(GuestRegion.of(0x10000, low), GuestRegion.of(0x14000, high));

    @AfterEach
    void release() {
        arena.close();
    }

    @Test
    void eachPartIsTranslatedThroughItsRegion() {
        QueueLayout layout = new QueueLayout(256, 0x10000, 0x11000, 0x14100, true, false);
        RingAddresses a = RingAddresses.of(memory, layout);
        assertEquals(low.address(), a.desc());
        assertEquals(low.address() + 0x1000, a.avail());
        assertEquals(high.address() + 0x100, a.used());
    }

    @Test
    void aRingOutsideGuestMemoryIsRefused() {
        QueueLayout layout = new QueueLayout(256, 0x10000, 0x11000, 0x20000, true, false);
        VhostException e = assertThrows(VhostException.class, () -> RingAddresses.of(memory, layout));
        assertTrue(e.getMessage().contains("the used ring at guest 0x20000"), e.getMessage());
    }

    @Test
    void aPartAcrossTwoRegionsIsRefusedEvenWhenBothAreMapped() {
        // The descriptor table (4 KiB) starts 2 KiB before the boundary: contiguous for the guest, not for the kernel.
        QueueLayout layout = new QueueLayout(256, 0x13800, 0x11000, 0x15000, true, false);
        VhostException e = assertThrows(VhostException.class, () -> RingAddresses.of(memory, layout));
        assertTrue(e.getMessage().contains("the descriptor table at guest 0x13800 (+4096 bytes) is not inside one guest memory region"),
                e.getMessage());
    }
}
