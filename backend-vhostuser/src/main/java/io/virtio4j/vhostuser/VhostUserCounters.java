package io.virtio4j.vhostuser;

import io.virtio4j.api.counters.CounterSet;

import org.agrona.concurrent.status.CountersManager;

/**
 * What the back-end has seen, for monitoring and for tests to assert on: one Agrona counter per
 * {@link VhostUserCounter}. Shared by all sessions of a socket, so updates are atomic adds (per
 * message or refusal, never per frame).
 */
public final class VhostUserCounters implements AutoCloseable {
    private final CounterSet<VhostUserCounter> set;

    /** All counters at zero, in a private manager (no counters file). */
    public VhostUserCounters() {
        set = CounterSet.standalone(VhostUserCounter.class);
    }

    /**
     * All counters at zero, in {@code manager} (a switch's counters file), labelled {@code prefix + label}.
     *
     * @throws IllegalStateException if the manager has no room (nothing is left allocated)
     */
    public VhostUserCounters(CountersManager manager, String prefix) {
        set = CounterSet.allocate(manager, prefix, VhostUserCounter.class);
    }

    /** Counts one event of kind {@code c}. Any thread. */
    public void count(VhostUserCounter c) {
        set.increment(c);
    }

    /** The count of {@code c}. */
    public long get(VhostUserCounter c) {
        return set.get(c);
    }

    /** Messages received whole. */
    public long messages() {
        return get(VhostUserCounter.MESSAGES);
    }

    /** Messages refused (bad size, bad fds, bad values), the connection kept. */
    public long rejected() {
        return get(VhostUserCounter.REJECTED);
    }

    /** Requests with an id this back-end does not implement. */
    public long unknownRequests() {
        return get(VhostUserCounter.UNKNOWN_REQUESTS);
    }

    /** Connections dropped because of a protocol violation or socket error (not clean EOFs). */
    public long disconnects() {
        return get(VhostUserCounter.DISCONNECTS);
    }

    /** Rings started from the used index in guest memory because the front-end's base disagreed with it. */
    public long ringRestores() {
        return get(VhostUserCounter.RING_RESTORES);
    }

    /**
     * Sessions dropped because the front-end shrank a file under their guest memory or dirty log
     * (found before a ring started, or by a fault in the data path or on the session thread).
     */
    public long memoryFaults() {
        return get(VhostUserCounter.MEMORY_FAULTS);
    }

    /** SET_VRING_KICK, SET_VRING_CALL or SET_VRING_ERR fds refused because they were no eventfds. */
    public long refusedFds() {
        return get(VhostUserCounter.REFUSED_FDS);
    }

    /** Sessions dropped because a write to one of their call eventfds did not return in time. */
    public long stalledCalls() {
        return get(VhostUserCounter.STALLED_CALLS);
    }

    /**
     * SET_MEM_TABLE and ADD_MEM_REG refused because the guest memory would exceed the connection's
     * limit ({@link BackendConfig#maxGuestMemory}) or the budget it shares ({@link GuestMemoryBudget}).
     */
    public long refusedMemory() {
        return get(VhostUserCounter.REFUSED_MEMORY);
    }

    /** Sessions that have ended, for any reason. */
    public long sessions() {
        return get(VhostUserCounter.SESSIONS_ENDED);
    }

    /** Frees the counters in their manager. */
    @Override
    public void close() {
        set.close();
    }
}
