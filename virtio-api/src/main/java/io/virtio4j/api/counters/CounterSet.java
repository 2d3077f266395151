package io.virtio4j.api.counters;

import java.nio.charset.StandardCharsets;
import java.util.EnumSet;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

/**
 * One Agrona counter per constant of a {@link CounterDescriptor} enum, labelled
 * {@code <prefix><label>}, allocated together and freed together. The set is the only counter
 * mechanism of the project: a device queue, a back-end and a switch port each own one or more, in
 * the switch's counters file when a {@code CountersManager} is handed to them, else in a private
 * one ({@link #standalone}).
 *
 * <p>Writers pick the update that fits their thread model, both free of allocation and locks:
 * {@link #incrementRelease}/{@link #addRelease} for a counter with a single writer at a time (a
 * ring's poller, a TAP worker: a plain read and a release store, no atomic instruction), and
 * {@link #increment}/{@link #add} (an atomic add) for one that several threads update. Readers on
 * any thread use {@link #get} (a volatile load) or read the counters file.
 *
 * @param <E> the descriptor enum
 */
public final class CounterSet<E extends Enum<E> & CounterDescriptor> implements AutoCloseable {
    /** Alignment of a private manager's buffers (Agrona needs 8, a cache line keeps them apart). */
    private static final int ALIGNMENT = 64;

    private final E[] descriptors;
    private final AtomicCounter[] counters;

    private CounterSet(E[] descriptors, AtomicCounter[] counters) {
        this.descriptors = descriptors;
        this.counters = counters;
    }

    /**
     * Allocates one counter per constant of {@code type} in {@code manager}, labelled
     * {@code prefix + label()} with the constant's type id. Allocation is not thread-safe in
     * Agrona's plain {@code CountersManager}: callers sharing one serialize their allocations (or
     * use a {@code ConcurrentCountersManager}).
     *
     * @throws IllegalStateException if the manager has no room for all of them (none are left allocated)
     */
    public static <E extends Enum<E> & CounterDescriptor> CounterSet<E> allocate(CountersManager manager, String prefix,
                                                                                 Class<E> type) {
        return allocateTyped(manager, prefix, type, EnumSet.allOf(type), null);
    }

    /**
     * As {@link #allocate(CountersManager, String, Class)} for the constants of {@code members}
     * only, every counter with type {@code typeId} instead of its descriptor's: for an enum some of
     * whose constants are no event (a verdict's "not dropped"), and a set allocated in two roles a
     * reader tells apart (a switch port's drops and the switch-wide drops). The others have no
     * counter: {@link #get} reads 0 for them, and they must not be counted.
     *
     * @throws IllegalStateException if the manager has no room for all of them (none are left allocated)
     */
    public static <E extends Enum<E> & CounterDescriptor> CounterSet<E> allocate(CountersManager manager, String prefix,
                                                                                 Class<E> type, EnumSet<E> members, int typeId) {
        return allocateTyped(manager, prefix, type, members, typeId);
    }

    /** Allocates the counters of {@code members}, each with type {@code typeId}, or its descriptor's if null. */
    private static <E extends Enum<E> & CounterDescriptor> CounterSet<E> allocateTyped(CountersManager manager, String prefix,
                                                                                      Class<E> type, EnumSet<E> members,
                                                                                      Integer typeId) {
        E[] descriptors = type.getEnumConstants();
        String[] labels = new String[members.size()];
        int[] typeIds = new int[members.size()];
        int i = 0;
        for (E d : members) {
            labels[i] = d.label();
            typeIds[i++] = typeId == null ? d.typeId() : typeId;
        }
        AtomicCounter[] allocated = allocateAll(manager, prefix, labels, typeIds);
        AtomicCounter[] counters = new AtomicCounter[descriptors.length];
        i = 0;
        for (E d : members) {
            counters[d.ordinal()] = allocated[i++];
        }
        return new CounterSet<>(descriptors, counters);
    }

    /**
     * Allocates counters labelled {@code prefix + labels[i]} with type {@code typeIds[i]}, all or
     * none: for label lists known only at run time (a switch's mirror of back-end counters, a VTEP's
     * traffic), which share the all-or-nothing rule of a descriptor set.
     *
     * @throws IllegalStateException if the manager has no room for all of them (none are left allocated)
     */
    public static AtomicCounter[] allocateAll(CountersManager manager, String prefix, String[] labels, int[] typeIds) {
        AtomicCounter[] counters = new AtomicCounter[labels.length];
        try {
            for (int i = 0; i < labels.length; i++) {
                counters[i] = manager.newCounter(prefix + labels[i], typeIds[i]);
            }
        } catch (RuntimeException e) {
            free(counters);
            throw new IllegalStateException("no room for the counters " + prefix + "*: " + e.getMessage()
                    + "; give the switch a bigger counters file", e);
        }
        return counters;
    }

    /** The counters of {@code type} in a private manager of their own (no counters file), labels unprefixed. */
    public static <E extends Enum<E> & CounterDescriptor> CounterSet<E> standalone(Class<E> type) {
        return allocate(privateManager(type.getEnumConstants().length), "", type);
    }

    /**
     * A {@code CountersManager} with room for {@code counters} counters, over off-heap buffers of
     * its own: for sets that live outside the switch's counters file (a library used without the
     * switch, tests), and for an owner that keeps several sets together.
     */
    public static CountersManager privateManager(int counters) {
        int n = Math.max(1, counters);
        UnsafeBuffer values = new UnsafeBuffer(BufferUtil.allocateDirectAligned(n * CountersReader.COUNTER_LENGTH, ALIGNMENT));
        UnsafeBuffer metadata = new UnsafeBuffer(BufferUtil.allocateDirectAligned(n * CountersReader.METADATA_LENGTH, ALIGNMENT));
        return new CountersManager(metadata, values, StandardCharsets.US_ASCII);
    }

    /** The Agrona counter of {@code d}, for a reader that wants its id or label. */
    public AtomicCounter counter(E d) {
        return counters[d.ordinal()];
    }

    /** The current value of {@code d} (a volatile load: any thread); 0 for a constant left out of the set. */
    public long get(E d) {
        AtomicCounter c = counters[d.ordinal()];
        return c == null ? 0 : c.get();
    }

    /** The sum of every counter of the set. */
    public long sum() {
        long total = 0;
        for (AtomicCounter c : counters) {
            total += c == null ? 0 : c.get();
        }
        return total;
    }

    /** Adds one to {@code d}: atomic, for counters several threads update. */
    public void increment(E d) {
        counters[d.ordinal()].increment();
    }

    /** Adds {@code n} to {@code d}: atomic, for counters several threads update. */
    public void add(E d, long n) {
        counters[d.ordinal()].getAndAdd(n);
    }

    /** Adds one to {@code d}, which only the calling thread writes (or writers hand over under a lock). */
    public void incrementRelease(E d) {
        counters[d.ordinal()].incrementRelease();
    }

    /** Adds {@code n} to {@code d}, which only the calling thread writes (or writers hand over under a lock). */
    public void addRelease(E d, long n) {
        counters[d.ordinal()].getAndAddRelease(n);
    }

    /** The descriptors of the set, in counter order (their ordinals). */
    public E[] descriptors() {
        return descriptors.clone();
    }

    /** Frees the counters in their manager (their ids may be reused); reads after this see stale values. */
    @Override
    public void close() {
        free(counters);
    }

    /** Frees every open counter of {@code counters} (null entries are skipped). */
    public static void free(AtomicCounter[] counters) {
        for (AtomicCounter c : counters) {
            if (c != null && !c.isClosed()) {
                c.close();
            }
        }
    }
}
