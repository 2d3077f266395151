package io.virtio4j.vring;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.queue.QueueLayout;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packed ring's protocol between our driver and device sides (spec 2.8): what becomes visible
 * when, event suppression both ways with and without EVENT_IDX (enable, disable, descriptor
 * specific with the wrap bit, enable-then-recheck), and resuming from a saved position.
 */
class PackedRingTest {
    private static final long DATA = 0x8000;
    private final GuestMemory memory = GuestMemory.anonymous(Arena.ofAuto(), 0, 0x10000);
    private final long[] addr = {DATA};
    private final int[] len = {64};
    private final boolean[] writable = {true};
    private final int[] ids = new int[16];
    private final int[] lens = new int[16];

    private QueueLayout layout;
    private PackedRing raw;
    private DriverQueue driver;
    private DeviceQueue device;
    private final DescriptorChain[] chains = new DescriptorChain[8];

    private void open(int size, boolean eventIdx) {
        layout = QueueLayout.packed(size, 0x1000, eventIdx, false);
        driver = new DriverQueue(memory, layout);
        raw = PackedRing.map(memory, layout);
        device = new DeviceQueue("p", memory, layout);
        for (int i = 0; i < chains.length; i++) {
            chains[i] = device.newChain();
        }
    }

    private void addOne() {
        driver.add(addr, len, writable, 1);
        driver.publish();
    }

    private int serveAll() {
        int total = 0;
        int n;
        while ((n = device.pop(chains, chains.length)) > 0) {
            for (int i = 0; i < n; i++) {
                device.addUsed(chains[i], 10);
            }
            total += n;
        }
        device.publish();
        return total;
    }

    @Test
    void chainsBecomeVisibleOnlyAtPublishAndTheUsedBurstAtOnce() {
        open(8, false);
        driver.add(new long[] {DATA, DATA + 64}, new int[] {64, 64}, new boolean[] {false, true}, 2);
        driver.add(addr, len, writable, 1);
        assertFalse(device.hasAvailable(), "a chain's first descriptor is flagged available at publish only");
        assertTrue(PackedRing.isAvailable(raw.flagsAcquire(1), true), "the rest of the chain is written at once");
        driver.publish();
        assertTrue(device.hasAvailable());
        assertEquals(2, device.pop(chains, 8));
        device.addUsed(chains[0], 0);
        device.addUsed(chains[1], 64);
        assertEquals(0, driver.reclaim(ids, lens, 16), "used descriptors are shadowed until publish");
        assertFalse(PackedRing.isUsed(raw.flagsAcquire(2), true), "not even the burst's second one");
        device.publish();
        assertEquals(2, driver.reclaim(ids, lens, 16));
        assertEquals(0, lens[0], "WRITE clear on a used descriptor: nothing written");
        assertEquals(64, lens[1]);
        assertTrue(PackedRing.isUsed(raw.flagsAcquire(0), true), "first chain's used descriptor at its first slot");
        assertTrue(PackedRing.isUsed(raw.flagsAcquire(2), true), "second chain's at its first slot, after the first's two");
        assertEquals(8, driver.freeCount());
    }

    @Test
    void aBurstScanStopsAtTheFirstSlotNotAvailableAndLongChainsOutrunIt() {
        open(16, false);
        long[] three = {DATA, DATA + 64, DATA + 128};
        int[] lens3 = {64, 64, 64};
        boolean[] ro = {false, false, false};
        for (int i = 0; i < 4; i++) {
            driver.add(three, lens3, ro, 3);
        }
        driver.publish();
        driver.add(three, lens3, ro, 3);
        // Four published chains of three slots: the scan of a burst of 8 sees 8 slots, the third
        // chain ends past them and the fourth is found one slot at a time; the fifth, added but
        // not published, stops the burst.
        assertEquals(4, device.pop(chains, 8));
        for (int i = 0; i < 4; i++) {
            assertEquals(3, chains[i].count(), "chain " + i + " whole");
            device.addUsed(chains[i], 0);
        }
        device.publish();
        assertEquals(0, device.pop(chains, 8), "an unpublished chain is not taken");
        assertEquals(4, driver.reclaim(ids, lens, 16));
        driver.add(three, lens3, ro, 3);
        driver.add(three, lens3, ro, 3);
        driver.publish();
        // Slots 12-14, then 15, 0, 1 across the ring's end (the wrap counter flips), then 2-4.
        assertEquals(3, device.pop(chains, 8), "the fifth chain and two more across the ring's end");
        for (int i = 0; i < 3; i++) {
            assertEquals(3, chains[i].count(), "chain " + (4 + i) + " whole");
        }
        assertEquals(0, device.pop(chains, 8));
    }

    @Test
    void eventFlagsWithoutEventIdx() {
        open(8, false);
        addOne();
        assertTrue(driver.shouldKick(), "kicks enabled by the zeroed device event structure");
        device.disableNotification();
        addOne();
        assertFalse(driver.shouldKick(), "RING_EVENT_FLAGS_DISABLE suppresses the kick");
        assertTrue(device.enableNotification(), "work arrived while notifications were off: the recheck finds it");
        serveAll();
        assertFalse(device.enableNotification(), "nothing pending");
        addOne();
        assertTrue(driver.shouldKick());

        driver.enableInterrupts(false);
        serveAll();
        assertFalse(device.needsInterrupt(), "RING_EVENT_FLAGS_DISABLE suppresses the interrupt");
        driver.enableInterrupts(true);
        addOne();
        serveAll();
        assertTrue(device.needsInterrupt());
        assertFalse(device.needsInterrupt(), "nothing new published since");
    }

    @Test
    void descriptorEventsCarryTheWrapCounter() {
        // A ring of 4: positions wrap every 4 slots, so the events must compare slot and wrap bit.
        open(4, true);
        device.enableNotification(); // kick me at slot 0, wrap 1
        addOne();
        assertTrue(driver.shouldKick(), "slot 0 of lap 1 made available");
        addOne();
        assertFalse(driver.shouldKick(), "the device asked for slot 0 only");
        assertEquals(2, serveAll());
        assertEquals(2, driver.reclaim(ids, lens, 16));
        for (int lap = 0; lap < 5; lap++) {
            assertFalse(device.enableNotification(), "nothing pending");
            int expected = device.lastAvailIdx();
            assertEquals((lap * 4 + 2) % 4 | ((lap * 4 + 2) / 4 % 2 == 0 ? PackedRing.WRAP_BIT : 0), expected,
                    "avail position with the wrap bit after lap " + lap);
            addOne();
            assertTrue(driver.shouldKick(), "the slot the device named, in its lap");
            addOne();
            addOne();
            addOne();
            assertFalse(driver.shouldKick(), "past it: no second kick until the device asks again");
            assertEquals(4, serveAll());
            assertEquals(4, driver.reclaim(ids, lens, 16));
        }

        // Interrupts: the driver names the used position it reads next.
        driver.enableInterrupts(true);
        addOne();
        addOne();
        driver.shouldKick();
        serveAll();
        assertTrue(device.needsInterrupt(), "the used descriptor the driver named was written");
        addOne();
        driver.shouldKick();
        serveAll();
        assertFalse(device.needsInterrupt(), "the driver has not moved its event past the first");
        assertEquals(3, driver.reclaim(ids, lens, 16));
        driver.enableInterrupts(true);
        addOne();
        driver.shouldKick();
        serveAll();
        assertTrue(device.needsInterrupt(), "re-armed at the next used position, across the ring end");
        assertEquals(2, device.counters().interrupts());
    }

    @Test
    void aDeviceResumesFromTheSavedPositionWithItsWrapCounter() {
        open(4, false);
        for (int i = 0; i < 6; i++) {
            addOne();
            assertEquals(1, serveAll());
            driver.reclaim(ids, lens, 16);
        }
        int base = device.lastAvailIdx();
        assertEquals(2, base, "slot 2 of the second lap: wrap counter 0 in bit 15");
        assertEquals(base, device.usedIdx());
        // A new device (a reconnect: SET_VRING_BASE carries the position) goes on where this one stopped.
        DeviceQueue resumed = new DeviceQueue("resumed", memory, layout, base, base);
        addOne();
        addOne();
        addOne(); // slots 2, 3, then 0 of the third lap
        assertEquals(3, resumed.pop(chains, 8));
        for (int i = 0; i < 3; i++) {
            resumed.addUsed(chains[i], 1);
        }
        resumed.publish();
        assertEquals(3, driver.reclaim(ids, lens, 16));
        assertEquals(1 | PackedRing.WRAP_BIT, resumed.lastAvailIdx());
        assertEquals(4, driver.freeCount());
    }

    @Test
    void aheadIsTheDistanceModuloTwoLapsForEveryPairOfPositions() {
        // Sizes with and without a power of two: ahead() must equal floorMod for all of [0, 2 * size)^2.
        for (int size : new int[] {1, 3, 8, 255, 256}) {
            for (int to = 0; to < 2 * size; to++) {
                for (int from = 0; from < 2 * size; from++) {
                    assertEquals(Math.floorMod(to - from, 2 * size), PackedRing.ahead(to, from, size),
                            "size " + size + ", to " + to + ", from " + from);
                }
            }
        }
    }
}
