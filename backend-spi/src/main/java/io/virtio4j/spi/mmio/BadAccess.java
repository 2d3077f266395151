package io.virtio4j.spi.mmio;

/** Why a driver's MMIO access was ignored; one counter each. */
public enum BadAccess {
    /** No register at that offset (or past the config space). */
    UNKNOWN_OFFSET,
    /** Not a 32-bit access to a register, or not 1/2/4 bytes in the config space, or misaligned. */
    WRONG_WIDTH,
    /** A write to a read-only register or to the config space (virtio-net's is read-only). */
    READ_ONLY,
    /** A read of a write-only register. */
    WRITE_ONLY,
    /** QueueSel names no queue; queue registers are then ignored. */
    QUEUE_OUT_OF_RANGE,
    /** A queue register changed while the queue is ready, or outside FEATURES_OK..DRIVER_OK. */
    QUEUE_LOCKED,
    /** QueueNum not a power of two, 0, or above QueueNumMax. */
    BAD_QUEUE_SIZE,
    /** DriverFeatures written outside the DRIVER..FEATURES_OK window, or with a selector > 1. */
    FEATURES_OUTSIDE_WINDOW,
    /** QueueNotify for a queue that is not live. */
    BAD_NOTIFY,
    /** A status write the status machine refused. */
    BAD_STATUS;

    static final BadAccess[] VALUES = values();
}
