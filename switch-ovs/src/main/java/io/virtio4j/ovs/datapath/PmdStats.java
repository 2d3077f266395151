package io.virtio4j.ovs.datapath;

import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * One PMD thread's figures, as OVS's {@code pmd-stats-show}: nanoseconds spent polling with work
 * (busy) and without (idle, sleeps included), frames handled, poll rounds and sleeps. Agrona
 * counters {@code pmd:<n>:busy_ns} etc. with type id {@link #TYPE_ID}; only the PMD thread writes
 * them, once per poll round, with release stores.
 */
public final class PmdStats implements AutoCloseable {
    public static final int TYPE_ID = 0x5603;

    private final AtomicCounter busyNanos;
    private final AtomicCounter idleNanos;
    private final AtomicCounter frames;
    private final AtomicCounter polls;
    private final AtomicCounter sleeps;

    public PmdStats(CountersManager manager, int pmd) {
        String prefix = "pmd:" + pmd + ":";
        busyNanos = manager.newCounter(prefix + "busy_ns", TYPE_ID);
        idleNanos = manager.newCounter(prefix + "idle_ns", TYPE_ID);
        frames = manager.newCounter(prefix + "frames", TYPE_ID);
        polls = manager.newCounter(prefix + "polls", TYPE_ID);
        sleeps = manager.newCounter(prefix + "sleeps", TYPE_ID);
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

    public PmdSnapshot snapshot(int pmd) {
        return new PmdSnapshot(pmd, busyNanos.get(), idleNanos.get(), frames.get(), polls.get(), sleeps.get());
    }

    @Override
    public void close() {
        busyNanos.close();
        idleNanos.close();
        frames.close();
        polls.close();
        sleeps.close();
    }
}
