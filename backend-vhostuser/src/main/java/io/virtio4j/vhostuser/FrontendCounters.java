package io.virtio4j.vhostuser;

import io.virtio4j.api.counters.CounterSet;

import org.agrona.concurrent.status.AtomicCounter;

/**
 * What a {@code vhost-user:} front-end has seen, for monitoring and for tests to assert on: one
 * Agrona counter per {@link FrontendCounter}. The connection thread, the caller of start and the
 * call relay all count here, so updates are atomic adds (per connection or interrupt, not per frame).
 */
public final class FrontendCounters implements AutoCloseable {
    private final CounterSet<FrontendCounter> set = CounterSet.standalone(FrontendCounter.class);

    /** All counters at zero. */
    public FrontendCounters() {
        // Counted by the front-end that owns them.
    }

    /** Counts one event of kind {@code c}. Any thread. */
    void count(FrontendCounter c) {
        set.increment(c);
    }

    /** The Agrona counter of {@code c}, for a thread that counts into it directly (the call relay). */
    AtomicCounter counter(FrontendCounter c) {
        return set.counter(c);
    }

    /** The count of {@code c}. */
    public long get(FrontendCounter c) {
        return set.get(c);
    }

    /** Connections to a back-end that completed the per-connection negotiation. */
    public long connections() {
        return get(FrontendCounter.CONNECTIONS);
    }

    /** Back-ends that went away while connected (not counting our own close). */
    public long disconnects() {
        return get(FrontendCounter.DISCONNECTS);
    }

    /** Times the rings were handed to a back-end (each start, and each reconnect while started). */
    public long handovers() {
        return get(FrontendCounter.HANDOVERS);
    }

    /** Negotiations or hand-overs a back-end refused or broke off. */
    public long failedHandshakes() {
        return get(FrontendCounter.FAILED_HANDSHAKES);
    }

    /** Back-end interrupts forwarded to call notifiers without an fd. */
    public long relayedInterrupts() {
        return get(FrontendCounter.RELAYED_INTERRUPTS);
    }

    /** GET_VRING_BASE answers naming no slot of their packed ring. */
    public long badRingBases() {
        return get(FrontendCounter.BAD_RING_BASES);
    }

    /** Packed rings whose position was lost with their back-end (each reported to the device as a broken queue). */
    public long lostRingPositions() {
        return get(FrontendCounter.LOST_RING_POSITIONS);
    }

    /** Frees the counters in their manager. */
    @Override
    public void close() {
        set.close();
    }

    @Override
    public String toString() {
        return "connections=" + connections() + " disconnects=" + disconnects() + " handovers=" + handovers()
                + " failedHandshakes=" + failedHandshakes() + " relayedInterrupts=" + relayedInterrupts()
                + " badRingBases=" + badRingBases() + " lostRingPositions=" + lostRingPositions();
    }
}
