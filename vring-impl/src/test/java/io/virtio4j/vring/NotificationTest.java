package io.virtio4j.vring;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.queue.QueueLayout;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Notification suppression both ways, with and without VIRTIO_F_EVENT_IDX. */
class NotificationTest {
    private final GuestMemory memory = GuestMemory.anonymous(Arena.ofAuto(), 0, 0x10000);
    private final long[] addr = {0x8000};
    private final int[] len = {64};
    private final boolean[] writable = {true};

    private DriverQueue driver;
    private DeviceQueue device;
    private final DescriptorChain[] chains = new DescriptorChain[4];

    private void open(boolean eventIdx) {
        QueueLayout layout = QueueLayout.contiguous(8, 0x1000, eventIdx, false);
        driver = new DriverQueue(memory, layout);
        device = new DeviceQueue("n", memory, layout);
        for (int i = 0; i < chains.length; i++) {
            chains[i] = device.newChain();
        }
    }

    private void addOne() {
        driver.add(addr, len, writable, 1);
        driver.publish();
    }

    private void serveAll() {
        int n = device.pop(chains, chains.length);
        for (int i = 0; i < n; i++) {
            device.addUsed(chains[i], 0);
        }
        device.publish();
    }

    @Test
    void flagsWithoutEventIdx() {
        open(false);
        addOne();
        assertTrue(driver.shouldKick(), "kicks allowed by default");
        device.disableNotification();
        addOne();
        assertFalse(driver.shouldKick(), "VRING_USED_F_NO_NOTIFY suppresses the kick");
        assertTrue(device.enableNotification(), "work arrived while notifications were off");
        serveAll();
        assertFalse(device.enableNotification(), "nothing pending");
        addOne();
        assertTrue(driver.shouldKick());

        driver.enableInterrupts(false);
        serveAll();
        assertFalse(device.needsInterrupt(), "VRING_AVAIL_F_NO_INTERRUPT suppresses the interrupt");
        driver.enableInterrupts(true);
        addOne();
        serveAll();
        assertTrue(device.needsInterrupt());
        assertFalse(device.needsInterrupt(), "nothing new published since");
    }

    @Test
    void eventIdxRules() {
        open(true);
        // avail_event is 0: the first chain (idx 0 -> 1) crosses it, the second does not.
        addOne();
        assertTrue(driver.shouldKick());
        addOne();
        assertFalse(driver.shouldKick(), "device asked to be kicked at avail idx 0 only");
        assertTrue(device.enableNotification(), "sets avail_event = last_avail_idx and finds the pending work");
        serveAll();
        assertEquals(2, device.lastAvailIdx());
        assertFalse(device.enableNotification());
        addOne();
        assertTrue(driver.shouldKick(), "avail_event 2 lies in [2, 3)");

        // used_event = 0 from zeroing; the device already published 2 used, then one more.
        driver.enableInterrupts(true);
        int[] ids = new int[8];
        int[] lens = new int[8];
        assertEquals(2, driver.reclaim(ids, lens, 8));
        driver.enableInterrupts(true); // used_event = 2
        serveAll();
        assertTrue(device.needsInterrupt(), "used idx passed used_event 2");
        addOne();
        driver.shouldKick();
        serveAll();
        assertFalse(device.needsInterrupt(), "driver has not moved used_event past 2");
        assertEquals(1, device.counters().interrupts());
    }
}
