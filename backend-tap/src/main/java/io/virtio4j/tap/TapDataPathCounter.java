package io.virtio4j.tap;

import io.virtio4j.api.counters.CounterDescriptor;
import io.virtio4j.api.counters.CounterTypes;

/** The counters of one queue pair's worker ({@link TapDataPathStats}). */
public enum TapDataPathCounter implements CounterDescriptor {
    /** Frames written to the TAP. */
    TX_FRAMES,
    /** Frame bytes (vnet header excluded) written to the TAP. */
    TX_BYTES,
    /** Transmit chains dropped: shorter than the header, too many iovecs, or unmapped. */
    TX_BAD_CHAINS,
    /** Transmit chains the kernel refused (EINVAL: malformed header or frame). */
    TX_WRITE_FAILURES,
    /** Transmit chains dropped because the TAP would block. */
    TX_TAP_FULL,
    /** Frames delivered to the guest's receive ring. */
    RX_FRAMES,
    /** Frame bytes (header excluded) delivered to the guest. */
    RX_BYTES,
    /** Receive chains returned unused: too small for a frame, too many iovecs, or unmapped. */
    RX_BAD_CHAINS,
    /** Receive chains filled: more than the frames when MRG_RXBUF spreads frames over several. */
    RX_BUFFERS,
    /** Frames dropped because they were longer than the receive buffers held for them. */
    RX_TRUNCATED,
    /** readv failures on the TAP. */
    RX_READ_FAILURES,
    /** Idle waits that ended by timeout, not by a kick or a TAP frame. */
    IDLE_TIMEOUTS;


    @Override
    public int typeId() {
        return CounterTypes.TAP_DATA_PATH;
    }
}
