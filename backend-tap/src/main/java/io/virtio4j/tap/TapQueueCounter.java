package io.virtio4j.tap;

import io.virtio4j.api.counters.CounterDescriptor;
import io.virtio4j.api.counters.CounterTypes;

/** The counters of one {@link TapQueue} ({@link TapQueueStats}). */
public enum TapQueueCounter implements CounterDescriptor {
    /** Frames read from the TAP. */
    FRAMES_READ,
    /** Bytes read from the TAP, vnet headers included. */
    BYTES_READ,
    /** Reads that found the TAP empty (WOULD_BLOCK). */
    READS_EMPTY,
    /** Frames written to the TAP. */
    FRAMES_WRITTEN,
    /** Bytes written to the TAP, vnet headers included. */
    BYTES_WRITTEN,
    /** Writes refused because the device could not take the frame now (WOULD_BLOCK). */
    WRITES_FULL,
    /** Reads that failed with an error other than WOULD_BLOCK. */
    READ_ERRORS,
    /** Writes the kernel rejected, typically EINVAL for a malformed vnet header or a runt frame. */
    WRITE_ERRORS;


    @Override
    public int typeId() {
        return CounterTypes.TAP_QUEUE;
    }
}
