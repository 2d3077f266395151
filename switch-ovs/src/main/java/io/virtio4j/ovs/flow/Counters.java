package io.virtio4j.ovs.flow;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A row of counters with one writer (the PMD thread that owns them) and any number of readers
 * (the control interface). The writer increments with an ordered store instead of an atomic
 * add: there is no second writer to race with, so no lock prefix and no shared cache line between
 * PMD threads; readers sum the rows of all threads.
 */
public final class Counters {
    private final AtomicLongArray values;

    /** A row of {@code size} counters at zero. */
    public Counters(int size) {
        values = new AtomicLongArray(size);
    }

    /** Owner thread only. */
    public void increment(int index) {
        values.lazySet(index, values.get(index) + 1);
    }

    /** Owner thread only: adds {@code delta} (a count kept in a plain field over a burst) at once. */
    public void add(int index, long delta) {
        values.lazySet(index, values.get(index) + delta);
    }

    /** Counter {@code index}'s value. */
    public long get(int index) {
        return values.get(index);
    }

    /** Number of counters in the row. */
    public int size() {
        return values.length();
    }
}
