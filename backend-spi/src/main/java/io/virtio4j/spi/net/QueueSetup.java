package io.virtio4j.spi.net;

import io.virtio4j.api.queue.QueueLayout;

/**
 * What the driver wrote for one virtqueue before enabling it (spec 4.2.2 QueueNum, QueueDesc*,
 * QueueDriver*, QueueDevice*, QueueReady). Writes while the queue is ready are refused (spec
 * 4.2.2.2: the driver MUST NOT change them then), as are sizes above the maximum and, for a split
 * ring, sizes that are not a power of two (a packed ring's may be any, spec 2.8). The layout is
 * validated against guest memory only at DRIVER_OK.
 */
public final class QueueSetup {
    private final int maxSize;
    private int size;
    private long desc;
    private long driver;
    private long device;
    private boolean ready;

    QueueSetup(int maxSize) {
        this.maxSize = maxSize;
        reset();
    }

    /** Device reset: back to the defaults (size = max, addresses 0, not ready). */
    void reset() {
        size = maxSize;
        desc = 0;
        driver = 0;
        device = 0;
        ready = false;
    }

    /** QueueNumMax: the largest size the driver may choose. */
    public int maxSize() {
        return maxSize;
    }

    /** QueueNum: the size the driver chose (the maximum until it writes one). */
    public int size() {
        return size;
    }

    /** QueueReady: whether the driver enabled the queue. */
    public boolean isReady() {
        return ready;
    }

    /** QueueDesc: guest address of the descriptor table. */
    public long descAddr() {
        return desc;
    }

    /** QueueDriver: guest address of the available (driver) ring. */
    public long driverAddr() {
        return driver;
    }

    /** QueueDevice: guest address of the used (device) ring. */
    public long deviceAddr() {
        return device;
    }

    /**
     * @param packed whether the queue is a packed ring (VIRTIO_F_RING_PACKED negotiated), whose
     *               size may be any value (spec 2.8); a split ring's is a power of two (2.7)
     * @return false (refused) if ready, or {@code n} is not a size of that kind in 1..max
     */
    boolean size(int n, boolean packed) {
        if (ready || !isSize(n, maxSize, packed)) {
            return false;
        }
        size = n;
        return true;
    }

    /** Whether {@code n} is a queue size in 1..{@code max} for a packed ring, or a split one (a power of two). */
    public static boolean isSize(int n, int max, boolean packed) {
        return n >= 1 && n <= max && (packed || Integer.bitCount(n) == 1);
    }

    /** Sets the low or high half of one address; false if the queue is ready. */
    boolean address(Part part, boolean high, int value) {
        if (ready) {
            return false;
        }
        long v = Integer.toUnsignedLong(value);
        switch (part) {
            case DESC -> desc = high ? (desc & 0xffff_ffffL) | (v << 32) : (desc & ~0xffff_ffffL) | v;
            case DRIVER -> driver = high ? (driver & 0xffff_ffffL) | (v << 32) : (driver & ~0xffff_ffffL) | v;
            case DEVICE -> device = high ? (device & 0xffff_ffffL) | (v << 32) : (device & ~0xffff_ffffL) | v;
        }
        return true;
    }

    /** QueueReady: 1 enables, 0 disables (the device then forgets nothing but stops using it at reset). */
    void ready(boolean on) {
        ready = on;
    }

    /** The layout as written, with the negotiated ring features ({@code packed}: VIRTIO_F_RING_PACKED, spec 2.8). */
    QueueLayout layout(boolean eventIdx, boolean indirect, boolean packed) {
        return new QueueLayout(size, desc, driver, device, eventIdx, indirect, packed);
    }

    /** The three ring areas. */
    public enum Part {
        /** The descriptor table (QueueDescLow/High). */
        DESC,
        /** The available ring (QueueDriverLow/High). */
        DRIVER,
        /** The used ring (QueueDeviceLow/High). */
        DEVICE
    }
}
