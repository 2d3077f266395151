package io.virtio4j.vhostuser;

import java.util.concurrent.atomic.LongAdder;

/** What a {@code vhost-user:} front-end has seen, for monitoring and for tests to assert on. */
public final class FrontendCounters {
    final LongAdder connections = new LongAdder();
    final LongAdder disconnects = new LongAdder();
    final LongAdder handovers = new LongAdder();
    final LongAdder failedHandshakes = new LongAdder();
    final LongAdder relayedInterrupts = new LongAdder();

    /** All counters at zero. */
    public FrontendCounters() {
        // Counted by the front-end that owns them.
    }

    /** Connections to a back-end that completed the per-connection negotiation. */
    public long connections() {
        return connections.sum();
    }

    /** Back-ends that went away while connected (not counting our own close). */
    public long disconnects() {
        return disconnects.sum();
    }

    /** Times the rings were handed to a back-end (each start, and each reconnect while started). */
    public long handovers() {
        return handovers.sum();
    }

    /** Negotiations or hand-overs a back-end refused or broke off. */
    public long failedHandshakes() {
        return failedHandshakes.sum();
    }

    /** Back-end interrupts forwarded to call notifiers without an fd. */
    public long relayedInterrupts() {
        return relayedInterrupts.sum();
    }

    @Override
    public String toString() {
        return "connections=" + connections() + " disconnects=" + disconnects() + " handovers=" + handovers()
                + " failedHandshakes=" + failedHandshakes() + " relayedInterrupts=" + relayedInterrupts();
    }
}
