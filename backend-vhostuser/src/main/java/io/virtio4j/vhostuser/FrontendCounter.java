package io.virtio4j.vhostuser;

import io.virtio4j.api.counters.CounterDescriptor;
import io.virtio4j.api.counters.CounterTypes;

/** The counters of a {@code vhost-user:} front-end ({@link FrontendCounters}). */
public enum FrontendCounter implements CounterDescriptor {
    /** Connections to a back-end that completed the per-connection negotiation. */
    CONNECTIONS("connections"),
    /** Back-ends that went away while connected (not counting our own close). */
    DISCONNECTS("disconnects"),
    /** Times the rings were handed to a back-end (each start, and each reconnect while started). */
    HANDOVERS("handovers"),
    /** Negotiations or hand-overs a back-end refused or broke off. */
    FAILED_HANDSHAKES("failed_handshakes"),
    /** Back-end interrupts forwarded to call notifiers without an fd. */
    RELAYED_INTERRUPTS("relayed_interrupts");

    private final String label;

    FrontendCounter(String label) {
        this.label = label;
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public int typeId() {
        return CounterTypes.VHOST_USER_FRONTEND;
    }
}
