package io.virtio4j.spi.net;

/**
 * The device's {@link NetControlState}: written by the control-queue processor (one thread, the
 * one serialising register accesses), read by backends. Volatile fields and immutable table
 * copies make each read consistent per field without locks.
 */
final class ControlState implements NetControlState {
    private static final long[] EMPTY = new long[0];

    private final long defaultMac;
    private volatile boolean promiscuous;
    private volatile boolean allMulticast;
    private volatile long mac;
    private volatile long[] unicast = EMPTY;
    private volatile long[] multicast = EMPTY;
    private volatile int activeQueuePairs = 1;

    ControlState(long defaultMac) {
        this.defaultMac = defaultMac;
        reset();
    }

    /**
     * Device reset: promiscuous on, as QEMU's virtio-net does, because a driver that did not
     * negotiate CTRL_RX can never set a filter and must still receive everything it is sent.
     */
    void reset() {
        promiscuous = true;
        allMulticast = false;
        mac = defaultMac;
        unicast = EMPTY;
        multicast = EMPTY;
        activeQueuePairs = 1;
    }

    void promiscuous(boolean on) {
        promiscuous = on;
    }

    void allMulticast(boolean on) {
        allMulticast = on;
    }

    void mac(long value) {
        mac = value;
    }

    void tables(long[] uni, long[] multi) {
        unicast = uni.clone();
        multicast = multi.clone();
    }

    void activeQueuePairs(int pairs) {
        activeQueuePairs = pairs;
    }

    @Override
    public boolean promiscuous() {
        return promiscuous;
    }

    @Override
    public boolean allMulticast() {
        return allMulticast;
    }

    @Override
    public long mac() {
        return mac;
    }

    @Override
    public long[] unicastFilter() {
        return unicast.clone();
    }

    @Override
    public long[] multicastFilter() {
        return multicast.clone();
    }

    @Override
    public int activeQueuePairs() {
        return activeQueuePairs;
    }

    @Override
    public boolean accepts(long destination) {
        // Reads the tables without cloning: the arrays are never mutated once published.
        if (promiscuous || destination == MacAddress.BROADCAST) {
            return true;
        }
        if (MacAddress.isMulticast(destination)) {
            return allMulticast || MacAddress.contains(multicast, destination);
        }
        return destination == mac || MacAddress.contains(unicast, destination);
    }
}
