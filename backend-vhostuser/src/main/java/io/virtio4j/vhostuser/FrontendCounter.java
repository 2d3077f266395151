package io.virtio4j.vhostuser;

import io.virtio4j.api.counters.CounterDescriptor;
import io.virtio4j.api.counters.CounterTypes;

/** The counters of a {@code vhost-user:} front-end ({@link FrontendCounters}). */
public enum FrontendCounter implements CounterDescriptor {
    /** Connections to a back-end that completed the per-connection negotiation. */
    CONNECTIONS,
    /** Back-ends that went away while connected (not counting our own close). */
    DISCONNECTS,
    /** Times the rings were handed to a back-end (each start, and each reconnect while started). */
    HANDOVERS,
    /** Negotiations or hand-overs a back-end refused or broke off. */
    FAILED_HANDSHAKES,
    /** Back-end interrupts forwarded to call notifiers without an fd. */
    RELAYED_INTERRUPTS,
    /**
     * GET_VRING_BASE answers naming no slot of their packed ring (an answer wider than 16 bits
     * already fails the request): the ring is taken back at the position the front-end knows.
     */
    BAD_RING_BASES,
    /**
     * Packed rings whose position a back-end took with it when it went away while it had them: the
     * device is told the queue is broken (DEVICE_NEEDS_RESET) instead of handing a stale position on.
     */
    LOST_RING_POSITIONS;


    @Override
    public int typeId() {
        return CounterTypes.VHOST_USER_FRONTEND;
    }
}
