package io.virtio4j.vhostuser;

import io.virtio4j.api.queue.QueueLayout;

/**
 * One ring as a front-end hands it to a back-end.
 *
 * @param index  the ring index (rx_n = 2n, tx_n = 2n + 1)
 * @param layout where the driver put it, in guest-physical addresses
 * @param base   the next avail index the back-end is to process
 * @param kickFd the eventfd the driver signals (the back-end gets a duplicate)
 * @param callFd the eventfd the back-end signals, or -1 for none (the back-end then never interrupts)
 */
public record VringHandover(int index, QueueLayout layout, int base, int kickFd, int callFd) {
    /** Checks the index (0..255), the base (a 16-bit index) and that a kick eventfd is given. */
    public VringHandover {
        if (index < 0 || index > 0xFF) {
            throw new IllegalArgumentException("ring index " + index + " not in 0..255");
        }
        if (base < 0 || base > 0xFFFF) {
            throw new IllegalArgumentException("ring base " + base + " is not a 16-bit index");
        }
        if (kickFd < 0) {
            throw new IllegalArgumentException("ring " + index + " needs a kick eventfd");
        }
    }
}
