package io.virtio4j.vring;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestRegion;
import io.virtio4j.api.queue.QueueLayout;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each way a driver can lie, and what the device does about it: refuse, count, return len 0. */
class HostileDriverTest {
    private static final int SIZE = 8;
    private static final long DATA = 0x4000;
    private static final long TABLE = 0x8000;
    private final Arena arena = Arena.ofAuto();
    private final GuestMemory memory = GuestMemory.of(
            GuestRegion.of(0, arena.allocate(0x10000, 4096)),
            GuestRegion.of(0x10000, arena.allocate(0x10000, 4096)));
    private final QueueLayout layout = QueueLayout.contiguous(SIZE, 0x1000, false, true);
    private final SplitRing raw = SplitRing.map(memory, layout);
    private final DeviceQueue device = new DeviceQueue("q0", memory, layout);
    private final DescriptorChain[] chains = {device.newChain(), device.newChain()};
    private int availIdx;

    private void offer(int head) {
        raw.availEntry(availIdx, head);
        availIdx = (availIdx + 1) & 0xffff;
        raw.availIdxRelease(availIdx);
    }

    private void indirectEntry(int i, long addr, int len, int flags, int next) {
        MemorySegment t = memory.slice(TABLE + 16L * i, 16);
        t.set(SplitRing.U64, 0, addr);
        t.set(SplitRing.U32, 8, len);
        t.set(SplitRing.U16, 12, (short) flags);
        t.set(SplitRing.U16, 14, (short) next);
    }

    /** Pops, expects nothing handed out, one error of {@code expected}, and the head back with len 0. */
    private void assertRefused(ChainError expected, int head) {
        int usedBefore = device.usedIdx();
        assertEquals(0, device.pop(chains, 2));
        device.publish();
        assertEquals(1, device.counters().errors(expected), expected.name());
        assertEquals(1, device.counters().totalErrors());
        if (head < SIZE) {
            assertEquals((usedBefore + 1) & 0xffff, raw.usedIdxAcquire());
            assertEquals(head, raw.usedEntryId(usedBefore));
            assertEquals(0, raw.usedEntryLen(usedBefore));
        } else {
            assertEquals(usedBefore, raw.usedIdxAcquire());
        }
        assertFalse(device.isBroken());
    }

    @Test
    void goodChainIsPoppedWithItsBuffers() {
        raw.writeDesc(0, DATA, 100, SplitRing.DESC_F_NEXT, 3);
        raw.writeDesc(3, DATA + 100, 50, SplitRing.DESC_F_WRITE, 0);
        offer(0);
        assertEquals(1, device.pop(chains, 2));
        DescriptorChain c = chains[0];
        assertEquals(0, c.head());
        assertEquals(2, c.count());
        assertEquals(1, c.readableCount());
        assertEquals(DATA + 100, c.address(1));
        assertEquals(100, c.readableBytes());
        assertEquals(50, c.writableBytes());
        assertEquals(1, device.lastAvailIdx());
    }

    @Test
    void unpoppedChainsAreOfferedAgainAndNeverUsed() {
        for (int i = 0; i < 3; i++) {
            raw.writeDesc(i, DATA + 100L * i, 100, SplitRing.DESC_F_WRITE, 0);
            offer(i);
        }
        DescriptorChain[] three = {device.newChain(), device.newChain(), device.newChain()};
        assertEquals(3, device.pop(three, 3));
        assertTrue(device.unpop(2));
        assertEquals(1, device.lastAvailIdx());
        assertEquals(1, device.counters().chains());
        device.publish();
        assertEquals(0, raw.usedIdxAcquire(), "nothing given back is on the used ring");
        assertEquals(2, device.pop(three, 3));
        assertEquals(1, three[0].head());
        assertEquals(2, three[1].head());
        assertFalse(device.unpop(4), "more than were popped");
    }

    @Test
    void unpopNeverRewindsOverARefusedChain() {
        raw.writeDesc(0, DATA, 100, SplitRing.DESC_F_WRITE, 0);
        raw.writeDesc(1, 0xdead_0000L, 100, SplitRing.DESC_F_WRITE, 0); // unmapped: refused
        raw.writeDesc(2, DATA, 100, SplitRing.DESC_F_WRITE, 0);
        offer(0);
        offer(1);
        offer(2);
        DescriptorChain[] three = {device.newChain(), device.newChain(), device.newChain()};
        assertEquals(2, device.pop(three, 3));
        assertTrue(device.unpop(1), "the good chain after the refusal");
        assertFalse(device.unpop(1), "the refused chain lies between: rewinding would return it twice");
        assertEquals(2, device.lastAvailIdx());
        device.publish();
        assertEquals(1, raw.usedIdxAcquire(), "only the refused chain is on the used ring");
        assertEquals(1, raw.usedEntryId(0));
    }

    @Test
    void usedIdxMovesOnlyOnPublishOncePerBurst() {
        raw.writeDesc(0, DATA, 10, 0, 0);
        raw.writeDesc(1, DATA, 10, 0, 0);
        offer(0);
        offer(1);
        assertEquals(2, device.pop(chains, 2));
        device.addUsed(chains[0], 1);
        device.addUsed(chains[1], 2);
        assertEquals(0, raw.usedIdxAcquire(), "elements are kept but not yet published");
        assertEquals(0, raw.usedEntryId(1), "the used ring itself is written only at publish (a shadow ring)");
        device.publish();
        assertEquals(2, raw.usedIdxAcquire());
        assertEquals(1, raw.usedEntryId(1));
        assertEquals(2, raw.usedEntryLen(1));
    }

    @Test
    void headOutOfRange() {
        offer(SIZE);
        assertRefused(ChainError.HEAD_OUT_OF_RANGE, SIZE);
    }

    @Test
    void nextOutOfRange() {
        raw.writeDesc(1, DATA, 10, SplitRing.DESC_F_NEXT, 200);
        offer(1);
        assertRefused(ChainError.NEXT_OUT_OF_RANGE, 1);
    }

    @Test
    void loopIsRefusedAsTooLong() {
        raw.writeDesc(2, DATA, 10, SplitRing.DESC_F_NEXT, 5);
        raw.writeDesc(5, DATA, 10, SplitRing.DESC_F_NEXT, 2);
        offer(2);
        assertRefused(ChainError.CHAIN_TOO_LONG, 2);
    }

    @Test
    void loopOfZeroLengthDescriptorsIsStillBounded() {
        raw.writeDesc(2, DATA, 0, SplitRing.DESC_F_NEXT, 2);
        offer(2);
        assertRefused(ChainError.CHAIN_TOO_LONG, 2);
    }

    @Test
    void zeroLengthDescriptorsAreSkipped() {
        raw.writeDesc(0, DATA, 0, SplitRing.DESC_F_NEXT, 1);
        raw.writeDesc(1, DATA, 7, 0, 0);
        offer(0);
        assertEquals(1, device.pop(chains, 2));
        assertEquals(1, chains[0].count());
        assertEquals(7, chains[0].length(0));
    }

    @Test
    void nestedIndirect() {
        indirectEntry(0, TABLE, 32, SplitRing.DESC_F_INDIRECT, 0);
        raw.writeDesc(0, TABLE, 16, SplitRing.DESC_F_INDIRECT, 0);
        offer(0);
        assertRefused(ChainError.NESTED_INDIRECT, 0);
    }

    @Test
    void indirectLengthNotMultipleOf16() {
        raw.writeDesc(0, TABLE, 24, SplitRing.DESC_F_INDIRECT, 0);
        offer(0);
        assertRefused(ChainError.INDIRECT_BAD_LENGTH, 0);
    }

    @Test
    void indirectLengthZero() {
        raw.writeDesc(0, TABLE, 0, SplitRing.DESC_F_INDIRECT, 0);
        offer(0);
        assertRefused(ChainError.INDIRECT_BAD_LENGTH, 0);
    }

    @Test
    void indirectTableLongerThan32768Entries() {
        raw.writeDesc(0, 0, 16 * 32769, SplitRing.DESC_F_INDIRECT, 0);
        offer(0);
        assertRefused(ChainError.INDIRECT_BAD_LENGTH, 0);
    }

    @Test
    void indirectTableOutsideMemory() {
        raw.writeDesc(0, 0x1fff0, 32, SplitRing.DESC_F_INDIRECT, 0);
        offer(0);
        assertRefused(ChainError.INDIRECT_UNMAPPED, 0);
    }

    @Test
    void indirectLoopInsideTable() {
        indirectEntry(0, DATA, 4, SplitRing.DESC_F_NEXT, 1);
        indirectEntry(1, DATA, 4, SplitRing.DESC_F_NEXT, 0);
        raw.writeDesc(0, TABLE, 32, SplitRing.DESC_F_INDIRECT, 0);
        offer(0);
        assertRefused(ChainError.CHAIN_TOO_LONG, 0);
    }

    @Test
    void indirectNextOutsideTable() {
        indirectEntry(0, DATA, 4, SplitRing.DESC_F_NEXT, 2);
        raw.writeDesc(0, TABLE, 32, SplitRing.DESC_F_INDIRECT, 0);
        offer(0);
        assertRefused(ChainError.NEXT_OUT_OF_RANGE, 0);
    }

    @Test
    void indirectWithNextFlag() {
        raw.writeDesc(0, TABLE, 16, SplitRing.DESC_F_INDIRECT | SplitRing.DESC_F_NEXT, 1);
        offer(0);
        assertRefused(ChainError.INDIRECT_WITH_NEXT, 0);
    }

    @Test
    void indirectNotNegotiated() {
        QueueLayout plain = QueueLayout.contiguous(SIZE, 0x1000, false, false);
        DeviceQueue q = new DeviceQueue("plain", memory, plain);
        raw.writeDesc(0, TABLE, 16, SplitRing.DESC_F_INDIRECT, 0);
        offer(0);
        assertEquals(0, q.pop(chains, 2));
        assertEquals(1, q.counters().errors(ChainError.INDIRECT_NOT_NEGOTIATED));
    }

    @Test
    void totalLengthOverflowing32Bits() {
        // 0xFFFF_FFFF + 1 > 2^32 - 1: the second descriptor overflows the 32-bit total.
        raw.writeDesc(0, DATA, 0x100, SplitRing.DESC_F_NEXT, 1);
        raw.writeDesc(1, DATA, 0xFFFF_FF00, 0, 0);
        offer(0);
        assertRefused(ChainError.LENGTH_OVERFLOW, 0);
    }

    @Test
    void addressWrappingTheAddressSpace() {
        raw.writeDesc(0, -16L, 64, 0, 0);
        offer(0);
        assertRefused(ChainError.BUFFER_UNMAPPED, 0);
    }

    @Test
    void bufferLeavingGuestMemory() {
        raw.writeDesc(0, 0x1fff0, 32, 0, 0);
        offer(0);
        assertRefused(ChainError.BUFFER_UNMAPPED, 0);
    }

    @Test
    void bufferCrossingARegionBoundaryIsFine() {
        raw.writeDesc(0, 0xfff0, 32, 0, 0);
        offer(0);
        assertEquals(1, device.pop(chains, 2));
        assertEquals(0, device.counters().totalErrors());
    }

    @Test
    void readableAfterWritable() {
        raw.writeDesc(0, DATA, 10, SplitRing.DESC_F_WRITE | SplitRing.DESC_F_NEXT, 1);
        raw.writeDesc(1, DATA, 10, 0, 0);
        offer(0);
        assertRefused(ChainError.READABLE_AFTER_WRITABLE, 0);
    }

    @Test
    void badChainDoesNotStopTheGoodOneBehindIt() {
        offer(SIZE + 3);
        raw.writeDesc(4, DATA, 10, 0, 0);
        offer(4);
        assertEquals(1, device.pop(chains, 2));
        assertEquals(4, chains[0].head());
        assertEquals(1, device.counters().errors(ChainError.HEAD_OUT_OF_RANGE));
    }

    @Test
    void popOneSkipsBadChainsAndGivesUpWhenOnlyBadOnesRemain() {
        offer(SIZE + 1);
        raw.writeDesc(6, DATA, 3, 0, 0);
        offer(6);
        offer(SIZE + 2);
        assertTrue(device.popOne(chains[0]));
        assertEquals(6, chains[0].head());
        assertFalse(device.popOne(chains[0]));
        assertEquals(2, device.counters().errors(ChainError.HEAD_OUT_OF_RANGE));
        assertEquals(3, device.lastAvailIdx());
    }

    @Test
    void availIndexRunawayBreaksOnlyThisQueue() {
        QueueLayout otherLayout = QueueLayout.contiguous(SIZE, 0x2000, false, false);
        DeviceQueue other = new DeviceQueue("q1", memory, otherLayout);
        DriverQueue otherDriver = new DriverQueue(memory, otherLayout);
        raw.availIdxRelease(SIZE + 1);
        assertEquals(0, device.pop(chains, 2));
        assertTrue(device.isBroken());
        assertEquals(1, device.counters().errors(ChainError.AVAIL_INDEX_RUNAWAY));
        // Stays stopped even when the index comes back to something sane.
        raw.availIdxRelease(1);
        raw.writeDesc(0, DATA, 10, 0, 0);
        assertEquals(0, device.pop(chains, 2));
        assertFalse(device.hasAvailable());
        // The other queue works.
        otherDriver.add(new long[]{DATA}, new int[]{10}, new boolean[]{false}, 1);
        otherDriver.publish();
        assertEquals(1, other.pop(chains, 2));
        assertFalse(other.isBroken());
    }

    @Test
    void availIdxIsLoadedOncePerBurstAndARunawayIsCaughtAtTheNextLoad() {
        raw.writeDesc(0, DATA, 10, 0, 0);
        for (int i = 0; i < 3; i++) {
            offer(0);
        }
        assertEquals(2, device.pop(chains, 2), "a burst of 2 out of 3 published");
        // The driver now jumps the idx past the queue size. The device still holds one entry it
        // knows is published (idx 2 < the idx it loaded), so it pops it without reading the idx.
        raw.availIdxRelease(3 + SIZE + 1);
        assertEquals(1, device.pop(chains, 2));
        assertFalse(device.isBroken());
        // Nothing known is left: the next burst loads the idx and finds it ran away.
        assertEquals(0, device.pop(chains, 2));
        assertTrue(device.isBroken());
        assertEquals(1, device.counters().errors(ChainError.AVAIL_INDEX_RUNAWAY));
        assertEquals(3, device.counters().chains());
        assertFalse(device.hasAvailable());
    }

    @Test
    void entriesKnownPublishedAreServedBeforeTheIdxIsReloaded() {
        raw.writeDesc(0, DATA, 10, 0, 0);
        offer(0);
        offer(0);
        assertEquals(1, device.pop(chains, 1));
        // One entry is known published; even if the idx went back (a broken driver), it is served.
        raw.availIdxRelease(1);
        assertTrue(device.hasAvailable());
        assertEquals(1, device.pop(chains, 2));
        // The next load sees idx 1 behind last_avail_idx 2: a jump of 65535, so the queue breaks.
        assertEquals(0, device.pop(chains, 2));
        assertTrue(device.isBroken());
        assertFalse(device.hasAvailable());
    }

    @Test
    void deviceRefusesToPutAnUnknownHeadOnTheUsedRing() {
        device.addUsed(SIZE, 10);
        device.addUsed(-1, 10);
        device.addUsed(0, -5);
        device.publish();
        assertEquals(0, raw.usedIdxAcquire());
        assertEquals(3, device.counters().errors(ChainError.USED_ID_INVALID));
    }

    @Test
    void noMoreThanARingOfUsedElementsWaitsForAPublish() {
        for (int i = 0; i < SIZE + 2; i++) {
            device.addUsed(i % SIZE, 10);
        }
        assertEquals(2, device.counters().errors(ChainError.USED_ID_INVALID), "the two beyond a ring's worth");
        device.publish();
        assertEquals(SIZE, raw.usedIdxAcquire());
    }

    @Test
    void resumesFromAGivenBaseAndReportsIt() {
        DeviceQueue resumed = new DeviceQueue("r", memory, layout, 65534, 65534);
        raw.writeDesc(0, DATA, 10, 0, 0);
        raw.writeDesc(1, DATA, 10, 0, 0);
        raw.availEntry(65534, 0);
        raw.availEntry(65535, 1);
        raw.availIdxRelease(0);
        assertEquals(2, resumed.pop(chains, 2));
        assertEquals(0, resumed.lastAvailIdx());
        resumed.addUsed(chains[0], 1);
        resumed.addUsed(chains[1], 2);
        resumed.publish();
        assertEquals(0, raw.usedIdxAcquire());
        assertEquals(1, raw.usedEntryId(65535));
    }
}
