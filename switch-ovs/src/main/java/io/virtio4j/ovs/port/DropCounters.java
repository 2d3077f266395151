package io.virtio4j.ovs.port;

import java.util.EnumMap;
import java.util.Map;

import io.virtio4j.ovs.pipeline.DropReason;

import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * One Agrona counter per {@link DropReason} (NONE has none), labelled {@code <prefix><reason>}:
 * a port's drops ({@code port:<name>:drop_}) and the switch-wide ones ({@code drop:}).
 */
public final class DropCounters implements AutoCloseable {
    /** The Agrona type id of the switch-wide drop counters. */
    public static final int SWITCH_TYPE_ID = 0x5602;

    private final AtomicCounter[] counters = new AtomicCounter[DropReason.values().length];

    /**
     * Allocates the counters; on a full manager frees what it got and throws
     * {@link IllegalStateException}.
     */
    public DropCounters(CountersManager manager, String labelPrefix, int typeId) {
        try {
            for (DropReason r : DropReason.values()) {
                if (r != DropReason.NONE) {
                    counters[r.ordinal()] = manager.newCounter(labelPrefix + r.name().toLowerCase(), typeId);
                }
            }
        } catch (RuntimeException e) {
            close();
            throw new IllegalStateException("no room for counters " + labelPrefix + "*: " + e.getMessage(), e);
        }
    }

    /** Counts one frame dropped for {@code reason} (NONE is ignored). Any thread. */
    public void drop(DropReason reason) {
        AtomicCounter c = counters[reason.ordinal()];
        if (c != null) {
            c.increment();
        }
    }

    public long get(DropReason reason) {
        AtomicCounter c = counters[reason.ordinal()];
        return c == null ? 0 : c.get();
    }

    /** Every reason but NONE with its count. */
    public Map<DropReason, Long> snapshot() {
        Map<DropReason, Long> byReason = new EnumMap<>(DropReason.class);
        for (DropReason r : DropReason.values()) {
            if (r != DropReason.NONE) {
                byReason.put(r, get(r));
            }
        }
        return byReason;
    }

    @Override
    public void close() {
        for (AtomicCounter c : counters) {
            if (c != null && !c.isClosed()) {
                c.close();
            }
        }
    }
}
