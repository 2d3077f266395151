package io.virtio4j.tap;

import io.virtio4j.api.counters.CounterSet;

/**
 * Counters of one {@link TapQueue}, one Agrona counter per {@link TapQueueCounter}, updated by the
 * queue's single I/O thread with release stores (no allocation, no atomic instruction on the
 * per-packet path) and readable by others as a best-effort snapshot.
 */
public final class TapQueueStats {
    private final CounterSet<TapQueueCounter> set = CounterSet.standalone(TapQueueCounter.class);

    /** All counters at zero. */
    public TapQueueStats() {
        // Counted by the queue's I/O thread.
    }

    // Single writer: only the queue's I/O thread counts, so release stores suffice.
    void read(long bytes) {
        set.incrementRelease(TapQueueCounter.FRAMES_READ);
        set.addRelease(TapQueueCounter.BYTES_READ, bytes);
    }

    void readEmpty() {
        set.incrementRelease(TapQueueCounter.READS_EMPTY);
    }

    void written(long bytes) {
        set.incrementRelease(TapQueueCounter.FRAMES_WRITTEN);
        set.addRelease(TapQueueCounter.BYTES_WRITTEN, bytes);
    }

    void writeFull() {
        set.incrementRelease(TapQueueCounter.WRITES_FULL);
    }

    void readError() {
        set.incrementRelease(TapQueueCounter.READ_ERRORS);
    }

    void writeError() {
        set.incrementRelease(TapQueueCounter.WRITE_ERRORS);
    }

    /** The count of {@code c}. */
    public long get(TapQueueCounter c) {
        return set.get(c);
    }

    /** Frames read from the TAP. */
    public long framesRead() {
        return get(TapQueueCounter.FRAMES_READ);
    }

    /** Bytes read from the TAP, vnet headers included. */
    public long bytesRead() {
        return get(TapQueueCounter.BYTES_READ);
    }

    /** Reads that found the TAP empty (WOULD_BLOCK). */
    public long readsEmpty() {
        return get(TapQueueCounter.READS_EMPTY);
    }

    /** Frames written to the TAP. */
    public long framesWritten() {
        return get(TapQueueCounter.FRAMES_WRITTEN);
    }

    /** Bytes written to the TAP, vnet headers included. */
    public long bytesWritten() {
        return get(TapQueueCounter.BYTES_WRITTEN);
    }

    /** Writes refused because the device could not take the frame now (WOULD_BLOCK). */
    public long writesFull() {
        return get(TapQueueCounter.WRITES_FULL);
    }

    /** Reads that failed with an error other than WOULD_BLOCK. */
    public long readErrors() {
        return get(TapQueueCounter.READ_ERRORS);
    }

    /** Writes the kernel rejected, typically EINVAL for a malformed vnet header or a runt frame. */
    public long writeErrors() {
        return get(TapQueueCounter.WRITE_ERRORS);
    }

    @Override
    public String toString() {
        return "read " + framesRead() + " frames/" + bytesRead() + " B (empty " + readsEmpty() + ", errors " + readErrors()
                + "), written " + framesWritten() + " frames/" + bytesWritten() + " B (full " + writesFull() + ", errors "
                + writeErrors() + ")";
    }
}
