package io.virtio4j.vring;

import io.virtio4j.api.counters.CounterSet;

import org.agrona.concurrent.status.CountersManager;

/**
 * Per-queue counters: chains served ({@link QueueCounter}) and chains refused per
 * {@link ChainError}, as Agrona counters ({@link CounterSet}). Single writer (the queue's owner):
 * release stores, no atomic instruction, and chains are added once per burst, not per chain.
 */
public final class QueueCounters implements AutoCloseable {
    private final CounterSet<QueueCounter> traffic;
    private final CounterSet<ChainError> errors;

    /** All counters at zero, in a private manager (no counters file). */
    public QueueCounters() {
        this(CounterSet.privateManager(QueueCounter.values().length + ChainError.VALUES.length), "");
    }

    /**
     * All counters at zero, in {@code manager}, labelled {@code prefix + label}.
     *
     * @throws IllegalStateException if the manager has no room (nothing is left allocated)
     */
    public QueueCounters(CountersManager manager, String prefix) {
        traffic = CounterSet.allocate(manager, prefix, QueueCounter.class);
        try {
            errors = CounterSet.allocate(manager, prefix, ChainError.class);
        } catch (IllegalStateException e) {
            traffic.close();
            throw e;
        }
    }

    /** Adds a burst's good chains: one add per burst, not per chain. */
    void chainsPopped(int n) {
        traffic.addRelease(QueueCounter.CHAINS, n);
    }

    void interruptRequested() {
        traffic.incrementRelease(QueueCounter.INTERRUPTS);
    }

    void error(ChainError e) {
        errors.incrementRelease(e);
    }

    /** Good chains handed to the caller. */
    public long chains() {
        return traffic.get(QueueCounter.CHAINS);
    }

    /** Times {@code needsInterrupt()} answered yes. */
    public long interrupts() {
        return traffic.get(QueueCounter.INTERRUPTS);
    }

    /** Refused chains (or queue failures) of one kind. */
    public long errors(ChainError e) {
        return errors.get(e);
    }

    /** Sum over all errors. */
    public long totalErrors() {
        return errors.sum();
    }

    /** Frees the counters in their manager. */
    @Override
    public void close() {
        traffic.close();
        errors.close();
    }
}
