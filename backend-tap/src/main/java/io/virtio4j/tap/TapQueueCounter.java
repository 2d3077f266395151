package io.virtio4j.tap;

import io.virtio4j.api.counters.CounterDescriptor;
import io.virtio4j.api.counters.CounterTypes;

/** The counters of one {@link TapQueue} ({@link TapQueueStats}). */
public enum TapQueueCounter implements CounterDescriptor {
    /** Frames read from the TAP. */
    FRAMES_READ("frames_read"),
    /** Bytes read from the TAP, vnet headers included. */
    BYTES_READ("bytes_read"),
    /** Reads that found the TAP empty (WOULD_BLOCK). */
    READS_EMPTY("reads_empty"),
    /** Frames written to the TAP. */
    FRAMES_WRITTEN("frames_written"),
    /** Bytes written to the TAP, vnet headers included. */
    BYTES_WRITTEN("bytes_written"),
    /** Writes refused because the device could not take the frame now (WOULD_BLOCK). */
    WRITES_FULL("writes_full"),
    /** Reads that failed with an error other than WOULD_BLOCK. */
    READ_ERRORS("read_errors"),
    /** Writes the kernel rejected, typically EINVAL for a malformed vnet header or a runt frame. */
    WRITE_ERRORS("write_errors");

    private final String label;

    TapQueueCounter(String label) {
        this.label = label;
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public int typeId() {
        return CounterTypes.TAP_QUEUE;
    }
}
