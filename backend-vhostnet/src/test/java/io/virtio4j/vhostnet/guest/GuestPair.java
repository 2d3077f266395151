package io.virtio4j.vhostnet.guest;

import java.util.function.IntConsumer;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.queue.QueueLayout;
import io.virtio4j.vring.DriverQueue;

/**
 * One queue pair as its driver sees it: the two rings ({@link DriverQueue}) at fixed guest
 * addresses, a receive and a transmit buffer area, and how to notify the device (an eventfd of our
 * own, or the device model's notify entry point).
 */
final class GuestPair {
    static final int RING = 256;
    static final int BUFFER = 2048;
    /** Pair p's rings at p * RINGS_STRIDE (rx) and + TX_RING_OFFSET (tx); buffer areas from BUFFERS on. */
    static final long RINGS_STRIDE = 0x20000;
    static final long TX_RING_OFFSET = 0x10000;
    static final long BUFFERS = 0x100000;
    static final long BUFFER_AREA = (long) RING * BUFFER;
    static final int MAX_PAIRS = (int) (BUFFERS / RINGS_STRIDE);

    final int pair;
    final QueueLayout rxLayout;
    final QueueLayout txLayout;
    final DriverQueue rx;
    final DriverQueue tx;
    final long rxBuffers;
    final long txBuffers;
    private final IntConsumer notify;
    int txQueued;
    int txUsed;
    int rxUsed;

    /** Guest memory needed for {@code pairs} pairs. */
    static long memorySize(int pairs) {
        return BUFFERS + 2L * pairs * BUFFER_AREA;
    }

    /**
     * Zeroes and links pair {@code pair}'s rings in {@code memory}.
     *
     * @param notify notifies the device of queue index (2 * pair for rx, 2 * pair + 1 for tx)
     */
    GuestPair(GuestMemory memory, int pair, int pairs, boolean eventIdx, IntConsumer notify) {
        if (pair < 0 || pair >= pairs || pairs > MAX_PAIRS) {
            throw new IllegalArgumentException("pair " + pair + " of " + pairs + " (at most " + MAX_PAIRS + ")");
        }
        this.pair = pair;
        this.notify = notify;
        rxLayout = QueueLayout.contiguous(RING, pair * RINGS_STRIDE, eventIdx, false);
        txLayout = QueueLayout.contiguous(RING, pair * RINGS_STRIDE + TX_RING_OFFSET, eventIdx, false);
        rx = new DriverQueue(memory, rxLayout);
        tx = new DriverQueue(memory, txLayout);
        rxBuffers = BUFFERS + (long) pair * BUFFER_AREA;
        txBuffers = BUFFERS + (long) (pairs + pair) * BUFFER_AREA;
    }

    int rxIndex() {
        return 2 * pair;
    }

    int txIndex() {
        return 2 * pair + 1;
    }

    /** Makes what was added to the receive ring visible and notifies if the device asked (spec 2.7.13). */
    void publishReceive() {
        rx.publish();
        if (rx.shouldKick()) {
            notify.accept(rxIndex());
        }
    }

    /** The same for the transmit ring. */
    void publishTransmit() {
        tx.publish();
        if (tx.shouldKick()) {
            notify.accept(txIndex());
        }
    }

    /** Notifies the transmit queue whatever the suppression state (a hostile driver does). */
    void forceTransmitNotify() {
        notify.accept(txIndex());
    }
}
