package io.virtio4j.ovs.datapath;

import java.util.List;

import io.virtio4j.ovs.port.CounterGroup;

import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * One PMD thread's figures, as OVS's {@code pmd-stats-show}: nanoseconds spent polling with work
 * (busy) and without (idle, sleeps included), frames handled, poll rounds, sleeps and failed
 * rounds. Agrona counters {@code pmd:<n>:busy_ns} etc. with type id {@link #TYPE_ID}; only the PMD
 * thread writes them (the error handler runs on it too), once per poll round, with release stores.
 */
public final class PmdStats implements AutoCloseable {
    /** The Agrona type id of every PMD counter, to tell them from port and drop counters. */
    public static final int TYPE_ID = 0x5603;

    private final CounterGroup group;
    private final AtomicCounter busyNanos;
    private final AtomicCounter idleNanos;
    private final AtomicCounter frames;
    private final AtomicCounter polls;
    private final AtomicCounter sleeps;
    private final AtomicCounter errors;

    /** @throws IllegalStateException if the manager is full (nothing is left allocated) */
    public PmdStats(CountersManager manager, int pmd) {
        group = new CounterGroup(manager, "pmd:" + pmd + ":", TYPE_ID,
                List.of("busy_ns", "idle_ns", "frames", "polls", "sleeps", "errors"));
        busyNanos = group.counter(0);
        idleNanos = group.counter(1);
        frames = group.counter(2);
        polls = group.counter(3);
        sleeps = group.counter(4);
        errors = group.counter(5);
    }

    /** Publishes the PMD's running totals (single writer). */
    void publish(long busy, long idle, long frameCount, long pollCount) {
        busyNanos.setRelease(busy);
        idleNanos.setRelease(idle);
        frames.setRelease(frameCount);
        polls.setRelease(pollCount);
    }

    void slept() {
        sleeps.incrementRelease();
    }

    /** The counter the agent runner adds failed rounds to. */
    AtomicCounter errors() {
        return errors;
    }

    /**
     * Reads the counters into a snapshot labelled PMD {@code pmd}. Any thread: each figure is a
     * volatile read of what the PMD last published, so the figures may be one round apart.
     */
    public PmdSnapshot snapshot(int pmd) {
        return new PmdSnapshot(pmd, busyNanos.get(), idleNanos.get(), frames.get(), polls.get(), sleeps.get());
    }

    @Override
    public void close() {
        group.close();
    }
}
