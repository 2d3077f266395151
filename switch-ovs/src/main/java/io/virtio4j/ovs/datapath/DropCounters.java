package io.virtio4j.ovs.datapath;

import io.virtio4j.ovs.pipeline.DropReason;

import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/** Switch-wide drops per reason, as Agrona counters labelled {@code drop.<reason>} with type id {@link #TYPE_ID}. */
public final class DropCounters implements AutoCloseable {
    public static final int TYPE_ID = 0x5602;

    private final AtomicCounter[] counters = new AtomicCounter[DropReason.values().length];

    public DropCounters(CountersManager manager) {
        try {
            for (DropReason r : DropReason.values()) {
                if (r != DropReason.NONE) {
                    counters[r.ordinal()] = manager.newCounter("drop." + r.name().toLowerCase(), TYPE_ID);
                }
            }
        } catch (RuntimeException e) {
            close();
            throw new IllegalStateException("no room for the drop counters: " + e.getMessage(), e);
        }
    }

    void drop(DropReason reason) {
        AtomicCounter c = counters[reason.ordinal()];
        if (c != null) {
            c.increment();
        }
    }

    public long get(DropReason reason) {
        AtomicCounter c = counters[reason.ordinal()];
        return c == null ? 0 : c.get();
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
