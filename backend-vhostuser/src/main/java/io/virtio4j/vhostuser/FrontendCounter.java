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
    RELAYED_INTERRUPTS;


    @Override
    public int typeId() {
        return CounterTypes.VHOST_USER_FRONTEND;
    }
}
