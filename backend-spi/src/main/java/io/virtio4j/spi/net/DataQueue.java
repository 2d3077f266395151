package io.virtio4j.spi.net;

import io.virtio4j.api.notify.EventNotifier;
import io.virtio4j.api.queue.QueueLayout;

/**
 * One data queue the device hands to a backend at DRIVER_OK: where the driver put it, how the
 * driver kicks it and how the backend interrupts the driver.
 *
 * @param index    the virtqueue index (rx_n = 2n, tx_n = 2n+1, spec 5.1.2)
 * @param layout   validated against the guest memory before the backend sees it
 * @param kick     signalled when the driver notifies this queue
 * @param call     signal it after publishing used buffers the driver wants to hear of
 * @param availIdx where popping starts ({@code DeviceQueue.freshPosition(layout)} on a fresh start:
 *                 0 split, 0x8000 packed; the saved value on resume; a packed position carries the
 *                 wrap counter in bit 15)
 * @param usedIdx  where used elements start (the same encoding)
 */
public record DataQueue(int index, QueueLayout layout, EventNotifier kick, EventNotifier call,
                        int availIdx, int usedIdx) {

    /** Whether this is a receive queue (even index). */
    public boolean isReceive() {
        return (index & 1) == 0;
    }

    /** The queue pair this queue belongs to. */
    public int pair() {
        return index >>> 1;
    }
}
