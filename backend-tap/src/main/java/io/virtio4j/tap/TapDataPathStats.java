package io.virtio4j.tap;

import io.virtio4j.api.counters.CounterSet;

/**
 * What one queue pair's worker did and dropped, for operators and tests: one Agrona counter per
 * {@link TapDataPathCounter}. Written by the worker thread only (single writer: release stores, no
 * atomic instruction per frame), read from any thread.
 */
public final class TapDataPathStats {
    private final CounterSet<TapDataPathCounter> set = CounterSet.standalone(TapDataPathCounter.class);

    /** All counters at zero. */
    public TapDataPathStats() {
        // Counted by the worker that owns them.
    }

    /** Counts one event of kind {@code c}; the worker thread only. */
    void count(TapDataPathCounter c) {
        set.incrementRelease(c);
    }

    /** Adds {@code n} to {@code c}; the worker thread only. */
    void add(TapDataPathCounter c, long n) {
        set.addRelease(c, n);
    }

    /** The count of {@code c}. */
    public long get(TapDataPathCounter c) {
        return set.get(c);
    }

    /** Frames written to the TAP. */
    public long txFrames() {
        return get(TapDataPathCounter.TX_FRAMES);
    }

    /** Frame bytes (vnet header excluded) written to the TAP. */
    public long txBytes() {
        return get(TapDataPathCounter.TX_BYTES);
    }

    /** Transmit chains dropped: shorter than the header, too many iovecs, or unmapped. */
    public long txBadChains() {
        return get(TapDataPathCounter.TX_BAD_CHAINS);
    }

    /** Transmit chains the kernel refused (EINVAL: malformed header or frame). */
    public long txWriteFailures() {
        return get(TapDataPathCounter.TX_WRITE_FAILURES);
    }

    /** Transmit chains dropped because the TAP would block. */
    public long txTapFull() {
        return get(TapDataPathCounter.TX_TAP_FULL);
    }

    /** Frames delivered to the guest's receive ring. */
    public long rxFrames() {
        return get(TapDataPathCounter.RX_FRAMES);
    }

    /** Frame bytes (header excluded) delivered to the guest. */
    public long rxBytes() {
        return get(TapDataPathCounter.RX_BYTES);
    }

    /** Receive chains returned unused: too small for a frame, too many iovecs, or unmapped. */
    public long rxBadChains() {
        return get(TapDataPathCounter.RX_BAD_CHAINS);
    }

    /** Receive chains filled: more than {@link #rxFrames()} when MRG_RXBUF spreads frames over several. */
    public long rxBuffers() {
        return get(TapDataPathCounter.RX_BUFFERS);
    }

    /**
     * Frames dropped because they were longer than the receive buffers held for them (only when
     * the driver's whole ring holds less than the largest frame, or a frame exceeds the MTU the
     * buffers were sized for; the kernel cuts silently, the receiver's sentinel iovec shows it).
     */
    public long rxTruncated() {
        return get(TapDataPathCounter.RX_TRUNCATED);
    }

    /** readv failures on the TAP. */
    public long rxReadFailures() {
        return get(TapDataPathCounter.RX_READ_FAILURES);
    }

    /** Idle waits that ended by timeout, not by a kick or a TAP frame (a lost wake-up shows here under load). */
    public long idleTimeouts() {
        return get(TapDataPathCounter.IDLE_TIMEOUTS);
    }

    @Override
    public String toString() {
        return "tx " + txFrames() + " frames/" + txBytes() + " B (bad " + txBadChains() + ", refused " + txWriteFailures()
                + ", full " + txTapFull() + "), rx " + rxFrames() + " frames/" + rxBytes() + " B in " + rxBuffers()
                + " buffers (bad " + rxBadChains() + ", truncated " + rxTruncated()
                + ", read errors " + rxReadFailures() + "), idle timeouts " + idleTimeouts();
    }
}
