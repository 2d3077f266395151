package io.virtio4j.vring;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestRegion;
import io.virtio4j.api.queue.QueueLayout;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;
import io.virtio4j.testing.Slow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each way a driver can lie on a packed ring (spec 2.8), and what the device does about it: a bad
 * chain whose extent is known goes back used with len 0 and is counted; one whose extent is not
 * (it never ends, or runs into slots not made available or held by the device) breaks the queue.
 * Includes the packed classes of DPDK's vhost CVEs (CVE-2020-10725: a buffer not wholly mapped in
 * the middle of a burst).
 */
class PackedHostileDriverTest {
    private static final int SIZE = 8;
    private static final long DATA = 0x4000;
    private static final long TABLE = 0x8000;
    private static final int NEXT = SplitRing.DESC_F_NEXT;
    private static final int WRITE = SplitRing.DESC_F_WRITE;
    private static final int INDIRECT = SplitRing.DESC_F_INDIRECT;
    private final Arena arena = Arena.ofAuto();
    private final GuestMemory memory = GuestMemory.of(
            GuestRegion.of(0, arena.allocate(0x10000, 4096)),
            GuestRegion.of(0x10000, arena.allocate(0x10000, 4096)));
    private final QueueLayout layout = QueueLayout.packed(SIZE, 0x1000, false, true);
    private final PackedRing raw = PackedRing.map(memory, layout);
    private final DeviceQueue device = new DeviceQueue("p0", memory, layout);
    private final DescriptorChain[] chains = {device.newChain(), device.newChain(), device.newChain(), device.newChain()};
    /** The driver's side of the test: where the next descriptor goes, and its wrap counter. */
    private int slot;
    private boolean wrap = true;

    /** Writes the next descriptor available (the test's writes are sequential, so order is moot). */
    private void desc(long addr, int len, int id, int flags) {
        raw.writeBody(slot, addr, len, id);
        raw.flagsRelease(slot, flags | PackedRing.availBits(wrap));
        if (++slot == SIZE) {
            slot = 0;
            wrap = !wrap;
        }
    }

    private void tableEntry(int i, long addr, int len, int flags) {
        MemorySegment t = memory.slice(TABLE + 16L * i, 16);
        t.set(SplitRing.U64, 0, addr);
        t.set(SplitRing.U32, 8, len);
        t.set(SplitRing.U16, 12, (short) 0);
        t.set(SplitRing.U16, 14, (short) flags);
    }

    /** Pops; expects nothing handed out, one {@code expected}, and one used descriptor (id, len 0) at slot {@code at}. */
    private void assertRefused(ChainError expected, int id, int descs) {
        int usedBefore = device.usedIdx();
        assertEquals(0, device.pop(chains, 2));
        device.publish();
        assertEquals(1, device.counters().errors(expected), expected.name());
        assertEquals(1, device.counters().totalErrors());
        int at = usedBefore & 0x7fff;
        assertTrue(PackedRing.isUsed(raw.flagsAcquire(at), (usedBefore & PackedRing.WRAP_BIT) != 0), "used descriptor written");
        assertEquals(id, raw.id(at));
        assertEquals(0, raw.flagsAcquire(at) & WRITE, "len 0: WRITE clear, nothing written");
        assertEquals(advance(usedBefore, descs), device.usedIdx(), "used position skips the chain's slots");
        assertFalse(device.isBroken());
    }

    private void assertBroken(ChainError expected) {
        int usedBefore = device.usedIdx();
        assertEquals(0, device.pop(chains, 2));
        device.publish();
        assertTrue(device.isBroken());
        assertEquals(1, device.counters().errors(expected), expected.name());
        assertEquals(usedBefore, device.usedIdx(), "nothing returned: the chain's extent is unknown");
        assertFalse(device.hasAvailable());
        assertFalse(device.popOne(chains[0]));
    }

    private static int advance(int position, int descs) {
        int s = (position & 0x7fff) + descs;
        boolean w = (position & PackedRing.WRAP_BIT) != 0;
        if (s >= SIZE) {
            s -= SIZE;
            w = !w;
        }
        return s | (w ? PackedRing.WRAP_BIT : 0);
    }

    @Test
    void chainAcrossTheRingEndIsPoppedAndUsedAtItsFirstSlot() {
        DeviceQueue resumed = new DeviceQueue("r", memory, layout, 6 | PackedRing.WRAP_BIT, 6 | PackedRing.WRAP_BIT);
        slot = 6;
        desc(DATA, 100, 0, NEXT);
        desc(DATA + 100, 50, 0, NEXT | WRITE);
        desc(DATA + 150, 30, 5, WRITE); // slot 0, second lap: AVAIL clear, USED set
        assertEquals(1, resumed.pop(chains, 2));
        DescriptorChain c = chains[0];
        assertEquals(5, c.head(), "the buffer id is the last descriptor's");
        assertEquals(3, c.count());
        assertEquals(100, c.readableBytes());
        assertEquals(80, c.writableBytes());
        assertEquals(1, resumed.lastAvailIdx(), "slot 1, wrap counter flipped to 0");
        resumed.addUsed(c, 42);
        resumed.publish();
        int flags = raw.flagsAcquire(6);
        assertTrue(PackedRing.isUsed(flags, true));
        assertEquals(WRITE, flags & WRITE);
        assertEquals(5, raw.id(6));
        assertEquals(42, raw.len(6));
        assertEquals(1, resumed.usedIdx());
    }

    @Test
    void chainThatNeverEndsBreaksTheQueue() {
        for (int i = 0; i < SIZE; i++) {
            desc(DATA, 10, 0, NEXT);
        }
        assertBroken(ChainError.CHAIN_TOO_LONG);
    }

    @Test
    void chainLongerThanTheSlotsTheDeviceMayReadBreaksTheQueue() {
        desc(DATA, 10, 0, 0);
        desc(DATA, 10, 1, 0);
        desc(DATA, 10, 2, 0);
        assertEquals(3, device.pop(chains, 3), "three slots now held by the device");
        // Six more with NEXT: the last three would be slots 0-2 again, which the device holds.
        for (int i = 0; i < 5; i++) {
            desc(DATA, 10, 3, NEXT);
        }
        desc(DATA, 10, 3, NEXT); // slot 0 of the next lap, overwriting a held descriptor
        assertBroken(ChainError.CHAIN_TOO_LONG);
    }

    @Test
    void chainRunningIntoASlotNotMadeAvailableBreaksTheQueue() {
        desc(DATA, 10, 0, NEXT);
        // slot 1 left zeroed: in the first lap that is neither available nor used
        assertBroken(ChainError.DESC_NOT_AVAILABLE);
    }

    @Slow
    @Test
    void flagsChangingWhileTheDeviceReadsNeverLetABadBufferThrough() throws Exception {
        // A second thread rewrites slot 1's flags and address between legal and hostile values
        // while fresh device queues pop the chain at slot 0: each descriptor's flags are read
        // once and every check and use is made on that value, so whatever interleaving occurs a
        // chain handed out names only the good buffers, and nothing escapes.
        AtomicBoolean stop = new AtomicBoolean();
        int[] flagValues = {NEXT, 0, WRITE, INDIRECT, NEXT | INDIRECT, 0xffff, PackedRing.DESC_F_USED};
        Thread flipper = new Thread(() -> {
            int k = 0;
            while (!stop.get()) {
                int f = flagValues[k++ % flagValues.length];
                raw.writeBody(1, (k & 1) == 0 ? DATA + 0x100 : 0xdead_0000L, 64, 0);
                raw.flagsRelease(1, f | PackedRing.availBits(true));
            }
        });
        desc(DATA, 64, 0, NEXT);
        flipper.start();
        long served = 0;
        long refused = 0;
        long broken = 0;
        try {
            for (int i = 0; i < 20_000; i++) {
                DeviceQueue d = new DeviceQueue("race", memory, layout);
                int n = d.pop(chains, 1);
                if (n == 1) {
                    served++;
                    for (int b = 0; b < chains[0].count(); b++) {
                        long a = chains[0].address(b);
                        assertTrue(a == DATA || a == DATA + 0x100, "buffer 0x" + Long.toHexString(a));
                        assertEquals(64, chains[0].length(b));
                    }
                } else if (d.isBroken()) {
                    broken++;
                } else {
                    refused++;
                    assertEquals(1, d.counters().totalErrors());
                }
            }
        } finally {
            stop.set(true);
            flipper.join();
        }
        assertEquals(20_000, served + refused + broken);
    }

    @Test
    void idOutOfRangeIsRefusedAndItsSlotsReturned() {
        desc(DATA, 10, SIZE, 0);
        assertRefused(ChainError.HEAD_OUT_OF_RANGE, SIZE, 1);
    }

    @Test
    void idTheDeviceStillHoldsIsRefused() {
        desc(DATA, 10, 3, 0);
        assertEquals(1, device.pop(chains, 1));
        desc(DATA, 10, 3, 0);
        assertRefused(ChainError.ID_IN_USE, 3, 1);
        device.addUsed(chains[0], 0);
        device.publish();
        assertEquals(1, device.counters().totalErrors(), "the first chain under id 3 is still returned");
    }

    @Test
    void usedIdTheDeviceNeverGaveIsRefused() {
        desc(DATA, 10, 2, 0);
        assertEquals(1, device.pop(chains, 1));
        device.addUsed(5, 10);
        device.addUsed(-1, 10);
        device.addUsed(SIZE, 10);
        assertEquals(3, device.counters().errors(ChainError.USED_ID_INVALID));
        device.publish();
        assertEquals(PackedRing.WRAP_BIT, device.usedIdx(), "nothing published");
        device.addUsed(chains[0], 0);
        device.addUsed(chains[0], 0);
        assertEquals(4, device.counters().errors(ChainError.USED_ID_INVALID), "a chain is used once");
    }

    @Test
    void driverStopsOnAUsedIdItNeverGave() {
        DriverQueue driver = new DriverQueue(memory, layout);
        int id = driver.add(new long[] {DATA}, new int[] {10}, new boolean[] {true}, 1);
        driver.publish();
        // A device that writes a used descriptor naming another id.
        raw.writeUsed(0, (id + 1) % SIZE, 10, PackedRing.usedBits(true) | WRITE);
        int[] ids = new int[4];
        int[] lens = new int[4];
        assertEquals(0, driver.reclaim(ids, lens, 4));
        assertEquals(1, driver.badUsed());
        assertTrue(driver.isBroken(), "with no way to know how far to skip, the driver stops");
        assertEquals(SIZE - 1, driver.freeCount());
    }

    @Test
    void nestedIndirectTable() {
        tableEntry(0, TABLE + 0x100, 16, INDIRECT);
        desc(TABLE, 16, 1, INDIRECT);
        assertRefused(ChainError.NESTED_INDIRECT, 1, 1);
    }

    @Test
    void indirectTableOfLengthNotAMultipleOf16() {
        desc(TABLE, 24, 1, INDIRECT);
        assertRefused(ChainError.INDIRECT_BAD_LENGTH, 1, 1);
    }

    @Test
    void indirectTableAtAnUnalignedAddressIsReadExactly() {
        // Neither layout asks a table to be aligned; every read of it is unaligned-safe.
        long at = TABLE + 8;
        MemorySegment t = memory.slice(at, 32);
        t.set(SplitRing.U64, 0, DATA);
        t.set(SplitRing.U32, 8, 10);
        t.set(SplitRing.U16, 14, (short) 0);
        t.set(SplitRing.U64, 16, DATA + 0x200);
        t.set(SplitRing.U32, 24, 20);
        t.set(SplitRing.U16, 30, (short) WRITE);
        desc(at, 32, 4, INDIRECT);
        assertEquals(1, device.pop(chains, 1));
        assertEquals(4, chains[0].head());
        assertEquals(DATA + 0x200, chains[0].address(1));
        assertEquals(10, chains[0].readableBytes());
        assertEquals(20, chains[0].writableBytes());
    }

    @Test
    void indirectTableOutsideGuestMemory() {
        desc(0x1fff0, 32, 1, INDIRECT);
        assertRefused(ChainError.INDIRECT_UNMAPPED, 1, 1);
    }

    @Test
    void indirectWithNextIsRefusedWithTheWholeChain() {
        tableEntry(0, DATA, 10, 0);
        desc(TABLE, 16, 0, INDIRECT | NEXT);
        desc(DATA, 10, 2, 0);
        assertRefused(ChainError.INDIRECT_WITH_NEXT, 2, 2);
    }

    @Test
    void indirectNotNegotiated() {
        QueueLayout direct = QueueLayout.packed(SIZE, 0x1000, false, false);
        DeviceQueue d = new DeviceQueue("d", memory, direct);
        tableEntry(0, DATA, 10, 0);
        desc(TABLE, 16, 1, INDIRECT);
        assertEquals(0, d.pop(chains, 1));
        assertEquals(1, d.counters().errors(ChainError.INDIRECT_NOT_NEGOTIATED));
    }

    @Test
    void lengthsWrappingThe32BitTotal() {
        desc(DATA, 0x100, 0, NEXT);
        desc(DATA, 0xFFFF_FF00, 1, 0);
        assertRefused(ChainError.LENGTH_OVERFLOW, 1, 2);
    }

    @Test
    void addressWrappingTheAddressSpace() {
        desc(-16L, 64, 0, 0);
        assertRefused(ChainError.BUFFER_UNMAPPED, 0, 1);
    }

    @Test
    void bufferPartlyOutsideMemoryInTheMiddleOfABurst() {
        // CVE-2020-10725's class: DPDK's batched packed path used a translation shorter than the
        // descriptor. Here every buffer of every chain is checked whole, burst or not.
        desc(DATA, 64, 0, WRITE);
        desc(DATA + 64, 64, 1, WRITE);
        desc(0x1fff0, 64, 2, WRITE);
        desc(DATA + 128, 64, 3, WRITE);
        assertEquals(3, device.pop(chains, 4));
        assertEquals(0, chains[0].head());
        assertEquals(1, chains[1].head());
        assertEquals(3, chains[2].head());
        assertEquals(1, device.counters().errors(ChainError.BUFFER_UNMAPPED));
    }

    @Test
    void readableAfterWritable() {
        desc(DATA, 10, 0, WRITE | NEXT);
        desc(DATA, 10, 1, 0);
        assertRefused(ChainError.READABLE_AFTER_WRITABLE, 1, 2);
    }

    @Test
    void badChainDoesNotStopTheGoodOneBehindIt() {
        desc(0xdead_0000L, 10, 0, NEXT);
        desc(DATA, 10, 0, 0);
        desc(DATA, 10, 1, 0);
        assertEquals(1, device.pop(chains, 2));
        assertEquals(1, chains[0].head());
        assertEquals(3, device.lastAvailIdx() & 0x7fff);
        device.addUsed(chains[0], 0);
        device.publish();
        assertEquals(0, raw.id(0), "the refused chain's used descriptor at its first slot");
        assertEquals(1, raw.id(2), "the good chain's right after the refused chain's two slots");
        assertEquals(3 | PackedRing.WRAP_BIT, device.usedIdx());
    }

    @Test
    void unpopGivesBackOnlyChainsStillHeld() {
        desc(DATA, 10, 0, 0);
        desc(DATA, 10, 1, NEXT);
        desc(DATA, 10, 1, 0);
        desc(DATA, 10, 2, 0);
        DescriptorChain[] three = {device.newChain(), device.newChain(), device.newChain()};
        assertEquals(3, device.pop(three, 3));
        assertTrue(device.unpop(2));
        assertEquals(1 | PackedRing.WRAP_BIT, device.lastAvailIdx(), "back over the 1 + 2 slots of ids 2 and 1");
        assertEquals(2, device.pop(three, 3), "offered again");
        device.addUsed(three[1], 0);
        assertFalse(device.unpop(1), "id 2 is used already");
    }

    @Test
    void aPositionOutsideTheRingIsRefusedAtStart() {
        assertThrows(VirtqueueException.class, () -> new DeviceQueue("x", memory, layout, SIZE, SIZE));
        assertThrows(VirtqueueException.class, () -> new DeviceQueue("x", memory, layout, 0x10000, 0));
        // used more than a ring behind avail
        assertThrows(VirtqueueException.class,
                () -> new DeviceQueue("x", memory, layout, 3, 2 | PackedRing.WRAP_BIT));
    }

    @Test
    void aSplitLayoutIsNotAPackedRingNorTheOtherWayRound() {
        assertThrows(VirtqueueException.class, () -> PackedRing.map(memory, QueueLayout.contiguous(SIZE, 0x1000, false, false)));
        assertThrows(VirtqueueException.class, () -> SplitRing.map(memory, layout));
    }

    /**
     * A descriptor's len, id and flags are read in one aligned 64-bit load: a region whose host
     * mapping is 4 bytes off its guest alignment (the ring 16-aligned in the guest, not 8-aligned
     * in the host) is refused when the queue starts, not read with torn or faulting accesses.
     */
    @Test
    void aRingNotEightAlignedInHostMemoryIsRefused() {
        GuestMemory skewed = GuestMemory.of(GuestRegion.of(0, arena.allocate(0x10008, 4096).asSlice(4, 0x10000)));
        VirtqueueException e = assertThrows(VirtqueueException.class, () -> new DeviceQueue("x", skewed, layout));
        assertEquals(VirtqueueException.Reason.MISALIGNED, e.reason());
    }

    @Test
    void misalignedEventSuppressionAreaIsRefused() {
        QueueLayout bad = new QueueLayout(SIZE, 0x1000, 0x1082, 0x1084, false, false, true);
        VirtqueueException e = assertThrows(VirtqueueException.class, () -> new DeviceQueue("x", memory, bad));
        assertEquals(VirtqueueException.Reason.MISALIGNED, e.reason());
    }
}
