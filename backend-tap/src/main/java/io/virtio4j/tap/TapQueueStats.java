package io.virtio4j.tap;

/**
 * Counters of one {@link TapQueue}, updated by the queue's single I/O thread with plain
 * increments (no allocation, no atomics on the per-packet path) and readable by others as a
 * best-effort snapshot.
 */
public final class TapQueueStats {
    private volatile long framesRead;
    private volatile long bytesRead;
    private volatile long readsEmpty;
    private volatile long framesWritten;
    private volatile long bytesWritten;
    private volatile long writesFull;
    private volatile long readErrors;
    private volatile long writeErrors;

    /** All counters at zero. */
    public TapQueueStats() {
        // Counted by the queue's I/O thread.
    }

    // Single writer: read-modify-write of a volatile is safe when only the I/O thread writes.
    void read(long bytes) {
        framesRead++;
        bytesRead += bytes;
    }

    void readEmpty() {
        readsEmpty++;
    }

    void written(long bytes) {
        framesWritten++;
        bytesWritten += bytes;
    }

    void writeFull() {
        writesFull++;
    }

    void readError() {
        readErrors++;
    }

    void writeError() {
        writeErrors++;
    }

    /** Frames read from the TAP. */
    public long framesRead() {
        return framesRead;
    }

    /** Bytes read from the TAP, vnet headers included. */
    public long bytesRead() {
        return bytesRead;
    }

    /** Reads that found the TAP empty (WOULD_BLOCK). */
    public long readsEmpty() {
        return readsEmpty;
    }

    /** Frames written to the TAP. */
    public long framesWritten() {
        return framesWritten;
    }

    /** Bytes written to the TAP, vnet headers included. */
    public long bytesWritten() {
        return bytesWritten;
    }

    /** Writes refused because the device could not take the frame now (WOULD_BLOCK). */
    public long writesFull() {
        return writesFull;
    }

    /** Reads that failed with an error other than WOULD_BLOCK. */
    public long readErrors() {
        return readErrors;
    }

    /** Writes the kernel rejected, typically EINVAL for a malformed vnet header or a runt frame. */
    public long writeErrors() {
        return writeErrors;
    }

    @Override
    public String toString() {
        return "read " + framesRead + " frames/" + bytesRead + " B (empty " + readsEmpty + ", errors " + readErrors
                + "), written " + framesWritten + " frames/" + bytesWritten + " B (full " + writesFull + ", errors " + writeErrors + ")";
    }
}
