package io.virtio4j.ovs.port;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

import io.virtio4j.ovs.pipeline.DropReason;

/**
 * One Agrona counter per {@link DropReason} but NONE, labelled {@code <prefix><reason>} in lower
 * case: a port's drops ({@code port:<name>:drop_}) and the switch-wide ones ({@code drop:}).
 */
public final class DropCounters implements AutoCloseable {
    /** The Agrona type id of the switch-wide drop counters. */
    public static final int SWITCH_TYPE_ID = io.virtio4j.api.counters.CounterTypes.SWITCH_DROPS;
    /** Every reason a frame is counted for (NONE is not a drop). */
    private static final DropReason[] REASONS = Arrays.stream(DropReason.values())
            .filter(r -> r != DropReason.NONE).toArray(DropReason[]::new);

    private final CounterGroup group;
    /** Counter index per reason ordinal, -1 for NONE. */
    private final int[] indexOf = new int[DropReason.values().length];

    /** @throws IllegalStateException if the manager has no room (nothing is left allocated) */
    public DropCounters(org.agrona.concurrent.status.CountersManager manager, String labelPrefix, int typeId) {
        group = new CounterGroup(manager, labelPrefix, typeId,
                Arrays.stream(REASONS).map(r -> r.name().toLowerCase()).toList());
        Arrays.fill(indexOf, -1);
        for (int i = 0; i < REASONS.length; i++) {
            indexOf[REASONS[i].ordinal()] = i;
        }
    }

    /** Counts one frame dropped for {@code reason} (NONE is ignored). Any thread. */
    public void drop(DropReason reason) {
        int i = indexOf[reason.ordinal()];
        if (i >= 0) {
            group.counter(i).increment();
        }
    }

    /** Counts {@code frames} frames dropped for {@code reason} (NONE is ignored). Any thread. */
    public void drop(DropReason reason, long frames) {
        int i = indexOf[reason.ordinal()];
        if (i >= 0) {
            group.counter(i).getAndAdd(frames);
        }
    }

    /**
     * Frames dropped for {@code reason} so far, 0 for NONE (which has no counter). A volatile read,
     * safe from any thread while PMD threads are still adding.
     */
    public long get(DropReason reason) {
        int i = indexOf[reason.ordinal()];
        return i < 0 ? 0 : group.counter(i).get();
    }

    /** Every reason but NONE with its count. */
    public Map<DropReason, Long> snapshot() {
        Map<DropReason, Long> byReason = new EnumMap<>(DropReason.class);
        for (DropReason r : REASONS) {
            byReason.put(r, get(r));
        }
        return byReason;
    }

    @Override
    public void close() {
        group.close();
    }
}
