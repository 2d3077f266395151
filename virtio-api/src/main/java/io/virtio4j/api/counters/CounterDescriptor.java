package io.virtio4j.api.counters;

import java.util.Locale;

/**
 * Describes one counter of a set, as Aeron's {@code SystemCounterDescriptor} does: an enum
 * implements it, one constant per counter, and {@link CounterSet} allocates one Agrona counter per
 * constant. The label is the name operators see (in the counters file after the set's prefix, in
 * {@code ctl counters} and as a Prometheus metric), so it is stable: by default the constant's name
 * in lower case, which makes renaming a constant a change of the operator interface.
 */
public interface CounterDescriptor {
    /** The constant's name (an enum's {@code name()}). */
    String name();

    /** The counter's label after the set's prefix: lower case, words joined by {@code _}. */
    default String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The Agrona type id the counter is allocated with, one per kind of set ({@link CounterTypes}),
     * so a reader of the counters file can tell the sets apart.
     */
    int typeId();
}
