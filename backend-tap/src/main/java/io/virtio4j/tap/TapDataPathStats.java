package io.virtio4j.tap;

/**
 * What one queue pair's worker did and dropped, for operators and tests. Written by the worker
 * thread only (single writer), read from any thread.
 */
public final class TapDataPathStats {
    volatile long txFrames;
    volatile long txBytes;
    volatile long txBadChains;
    volatile long txWriteFailures;
    volatile long txTapFull;
    volatile long rxFrames;
    volatile long rxBytes;
    volatile long rxBadChains;
    volatile long rxBuffers;
    volatile long rxTruncated;
    volatile long rxReadFailures;
    volatile long idleTimeouts;

    /** All counters at zero. */
    public TapDataPathStats() {
        // Counted by the worker that owns them.
    }

    /** Frames written to the TAP. */
    public long txFrames() {
        return txFrames;
    }

    /** Frame bytes (vnet header excluded) written to the TAP. */
    public long txBytes() {
        return txBytes;
    }

    /** Transmit chains dropped: shorter than the header, too many iovecs, or unmapped. */
    public long txBadChains() {
        return txBadChains;
    }

    /** Transmit chains the kernel refused (EINVAL: malformed header or frame). */
    public long txWriteFailures() {
        return txWriteFailures;
    }

    /** Transmit chains dropped because the TAP would block. */
    public long txTapFull() {
        return txTapFull;
    }

    /** Frames delivered to the guest's receive ring. */
    public long rxFrames() {
        return rxFrames;
    }

    /** Frame bytes (header excluded) delivered to the guest. */
    public long rxBytes() {
        return rxBytes;
    }

    /** Receive chains returned unused: too small for a frame, too many iovecs, or unmapped. */
    public long rxBadChains() {
        return rxBadChains;
    }

    /** Receive chains filled: more than {@link #rxFrames()} when MRG_RXBUF spreads frames over several. */
    public long rxBuffers() {
        return rxBuffers;
    }

    /**
     * Frames dropped because they were longer than the receive buffers held for them (only when
     * the driver's whole ring holds less than the largest frame, or a frame exceeds the MTU the
     * buffers were sized for; the kernel cuts silently, the receiver's sentinel iovec shows it).
     */
    public long rxTruncated() {
        return rxTruncated;
    }

    /** readv failures on the TAP. */
    public long rxReadFailures() {
        return rxReadFailures;
    }

    /** Idle waits that ended by timeout, not by a kick or a TAP frame (a lost wake-up shows here under load). */
    public long idleTimeouts() {
        return idleTimeouts;
    }

    @Override
    public String toString() {
        return "tx " + txFrames + " frames/" + txBytes + " B (bad " + txBadChains + ", refused " + txWriteFailures
                + ", full " + txTapFull + "), rx " + rxFrames + " frames/" + rxBytes + " B in " + rxBuffers + " buffers (bad " + rxBadChains
                + ", truncated " + rxTruncated
                + ", read errors " + rxReadFailures + "), idle timeouts " + idleTimeouts;
    }
}
