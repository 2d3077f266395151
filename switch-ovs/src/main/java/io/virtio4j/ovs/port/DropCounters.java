package io.virtio4j.ovs.port;

import java.util.EnumMap;
import java.util.Map;

import io.virtio4j.api.counters.CounterSet;
import io.virtio4j.ovs.pipeline.DropReason;

import org.agrona.concurrent.status.CountersManager;

/**
 * One Agrona counter per {@link DropCounter} (every {@link DropReason} but NONE), labelled
 * {@code <prefix><reason>} in lower case: a port's drops ({@code port:<name>:drop_}) and the
 * switch-wide ones ({@code drop:}).
 */
public final class DropCounters implements AutoCloseable {
    /** The Agrona type id of the switch-wide drop counters. */
    public static final int SWITCH_TYPE_ID = io.virtio4j.api.counters.CounterTypes.SWITCH_DROPS;

    private final CounterSet<DropCounter> set;

    /** @throws IllegalStateException if the manager has no room (nothing is left allocated) */
    public DropCounters(CountersManager manager, String labelPrefix, int typeId) {
        set = CounterSet.allocate(manager, labelPrefix, DropCounter.class, typeId);
    }

    /** Counts one frame dropped for {@code reason} (NONE is ignored). Any thread. */
    public void drop(DropReason reason) {
        DropCounter c = DropCounter.of(reason);
        if (c != null) {
            set.increment(c);
        }
    }

    /** Counts {@code frames} frames dropped for {@code reason} (NONE is ignored). Any thread. */
    public void drop(DropReason reason, long frames) {
        DropCounter c = DropCounter.of(reason);
        if (c != null) {
            set.add(c, frames);
        }
    }

    /**
     * Frames dropped for {@code reason} so far, 0 for NONE (which has no counter). A volatile read,
     * safe from any thread while PMD threads are still adding.
     */
    public long get(DropReason reason) {
        DropCounter c = DropCounter.of(reason);
        return c == null ? 0 : set.get(c);
    }

    /** Every reason but NONE with its count. */
    public Map<DropReason, Long> snapshot() {
        Map<DropReason, Long> byReason = new EnumMap<>(DropReason.class);
        for (DropCounter c : DropCounter.values()) {
            byReason.put(c.reason(), set.get(c));
        }
        return byReason;
    }

    @Override
    public void close() {
        set.close();
    }
}
