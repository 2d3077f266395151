package io.virtio4j.ovs.port;

import java.util.List;

import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * Agrona counters allocated together, labelled {@code <prefix><name>}, and freed together: if the
 * manager runs out of room part way, those already allocated are freed before the failure is
 * reported, so a switch that fails to start leaves no counters behind.
 */
public final class CounterGroup implements AutoCloseable {
    private final AtomicCounter[] counters;

    /** @throws IllegalStateException if the manager has no room for all of them (none are left allocated) */
    public CounterGroup(CountersManager manager, String prefix, int typeId, List<String> names) {
        counters = new AtomicCounter[names.size()];
        try {
            for (int i = 0; i < counters.length; i++) {
                counters[i] = manager.newCounter(prefix + names.get(i), typeId);
            }
        } catch (RuntimeException e) {
            close();
            throw new IllegalStateException("no room for the counters " + prefix + "*: " + e.getMessage()
                    + "; give the switch a bigger counters file", e);
        }
    }

    /** The {@code i}-th counter, in the order of the names. */
    public AtomicCounter counter(int i) {
        return counters[i];
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
