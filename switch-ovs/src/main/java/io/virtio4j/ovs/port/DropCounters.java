package io.virtio4j.ovs.port;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;

import io.virtio4j.api.counters.CounterSet;
import io.virtio4j.ovs.pipeline.DropReason;

import org.agrona.concurrent.status.CountersManager;

/**
 * One Agrona counter per {@link DropReason} but NONE (a verdict's default, no drop), labelled
 * {@code <prefix><reason>} in lower case: a port's drops ({@code port:<name>:drop_}) and the
 * switch-wide ones ({@code drop:}).
 */
public final class DropCounters implements AutoCloseable {
    /** The Agrona type id of the switch-wide drop counters. */
    public static final int SWITCH_TYPE_ID = io.virtio4j.api.counters.CounterTypes.SWITCH_DROPS;
    /** The reasons that are drops, and so have a counter. */
    private static final EnumSet<DropReason> DROPS = EnumSet.complementOf(EnumSet.of(DropReason.NONE));

    private final CounterSet<DropReason> set;

    /** @throws IllegalStateException if the manager has no room (nothing is left allocated) */
    public DropCounters(CountersManager manager, String labelPrefix, int typeId) {
        set = CounterSet.allocate(manager, labelPrefix, DropReason.class, DROPS, typeId);
    }

    /** Counts one frame dropped for {@code reason} (NONE is ignored). Any thread. */
    public void drop(DropReason reason) {
        if (reason != DropReason.NONE) {
            set.increment(reason);
        }
    }

    /** Counts {@code frames} frames dropped for {@code reason} (NONE is ignored). Any thread. */
    public void drop(DropReason reason, long frames) {
        if (reason != DropReason.NONE) {
            set.add(reason, frames);
        }
    }

    /**
     * Frames dropped for {@code reason} so far, 0 for NONE (which has no counter). A volatile read,
     * safe from any thread while PMD threads are still adding.
     */
    public long get(DropReason reason) {
        return set.get(reason);
    }

    /** Every reason but NONE with its count. */
    public Map<DropReason, Long> snapshot() {
        Map<DropReason, Long> byReason = new EnumMap<>(DropReason.class);
        for (DropReason r : DROPS) {
            byReason.put(r, set.get(r));
        }
        return byReason;
    }

    @Override
    public void close() {
        set.close();
    }
}
