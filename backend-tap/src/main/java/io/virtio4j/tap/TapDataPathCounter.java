package io.virtio4j.tap;

import io.virtio4j.api.counters.CounterDescriptor;
import io.virtio4j.api.counters.CounterTypes;

/** The counters of one queue pair's worker ({@link TapDataPathStats}). */
public enum TapDataPathCounter implements CounterDescriptor {
    /** Frames written to the TAP. */
    TX_FRAMES("tx_frames"),
    /** Frame bytes (vnet header excluded) written to the TAP. */
    TX_BYTES("tx_bytes"),
    /** Transmit chains dropped: shorter than the header, too many iovecs, or unmapped. */
    TX_BAD_CHAINS("tx_bad_chains"),
    /** Transmit chains the kernel refused (EINVAL: malformed header or frame). */
    TX_WRITE_FAILURES("tx_write_failures"),
    /** Transmit chains dropped because the TAP would block. */
    TX_TAP_FULL("tx_tap_full"),
    /** Frames delivered to the guest's receive ring. */
    RX_FRAMES("rx_frames"),
    /** Frame bytes (header excluded) delivered to the guest. */
    RX_BYTES("rx_bytes"),
    /** Receive chains returned unused: too small for a frame, too many iovecs, or unmapped. */
    RX_BAD_CHAINS("rx_bad_chains"),
    /** Receive chains filled: more than the frames when MRG_RXBUF spreads frames over several. */
    RX_BUFFERS("rx_buffers"),
    /** Frames dropped because they were longer than the receive buffers held for them. */
    RX_TRUNCATED("rx_truncated"),
    /** readv failures on the TAP. */
    RX_READ_FAILURES("rx_read_failures"),
    /** Idle waits that ended by timeout, not by a kick or a TAP frame. */
    IDLE_TIMEOUTS("idle_timeouts");

    private final String label;

    TapDataPathCounter(String label) {
        this.label = label;
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public int typeId() {
        return CounterTypes.TAP_DATA_PATH;
    }
}
