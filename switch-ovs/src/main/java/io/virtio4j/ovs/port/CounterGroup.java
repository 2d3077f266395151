package io.virtio4j.ovs.port;

import java.util.Arrays;
import java.util.List;

import io.virtio4j.api.counters.CounterSet;

import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * Agrona counters allocated together, labelled {@code <prefix><name>}, and freed together: if the
 * manager runs out of room part way, those already allocated are freed before the failure is
 * reported, so a switch that fails to start leaves no counters behind. For names known only at
 * run time; a fixed set is a {@link io.virtio4j.api.counters.CounterDescriptor} enum in a
 * {@link CounterSet}.
 */
public final class CounterGroup implements AutoCloseable {
    private final AtomicCounter[] counters;

    /** @throws IllegalStateException if the manager has no room for all of them (none are left allocated) */
    public CounterGroup(CountersManager manager, String prefix, int typeId, List<String> names) {
        int[] typeIds = new int[names.size()];
        Arrays.fill(typeIds, typeId);
        counters = CounterSet.allocateAll(manager, prefix, names.toArray(String[]::new), typeIds);
    }

    /** The {@code i}-th counter, in the order of the names. */
    public AtomicCounter counter(int i) {
        return counters[i];
    }

    @Override
    public void close() {
        CounterSet.free(counters);
    }
}
