package io.virtio4j.api.counters;

/**
 * Describes one counter of a set, as Aeron's {@code SystemCounterDescriptor} does: an enum
 * implements it, one constant per counter, and {@link CounterSet} allocates one Agrona counter per
 * constant. The label is the name operators see (in the counters file after the set's prefix, in
 * {@code ctl counters} and as a Prometheus metric), so it is stable: renaming it is a change of the
 * operator interface.
 */
public interface CounterDescriptor {
    /** The counter's label after the set's prefix: lower case, words joined by {@code _}. */
    String label();

    /**
     * The Agrona type id the counter is allocated with, one per kind of set (see the table in
     * docs/architecture.md, "Counters"), so a reader of the counters file can tell the sets apart.
     */
    int typeId();
}
