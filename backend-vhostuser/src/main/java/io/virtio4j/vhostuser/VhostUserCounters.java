package io.virtio4j.vhostuser;

import java.util.concurrent.atomic.LongAdder;

/** What the back-end has seen, for monitoring and for tests to assert on. Shared by all sessions of a socket. */
public final class VhostUserCounters {
    private final LongAdder messages = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder unknownRequests = new LongAdder();
    private final LongAdder disconnects = new LongAdder();
    private final LongAdder sessions = new LongAdder();
    private final LongAdder ringRestores = new LongAdder();
    private final LongAdder memoryFaults = new LongAdder();
    private final LongAdder refusedFds = new LongAdder();
    private final LongAdder stalledCalls = new LongAdder();
    private final LongAdder refusedMemory = new LongAdder();

    /** What a session counts, one constant per counter (the session code lives in another package). */
    public enum Event {
        /** A message received whole. */
        MESSAGE,
        /** A message refused, the connection kept. */
        REJECTED,
        /** A request id this back-end does not implement. */
        UNKNOWN_REQUEST,
        /** A connection dropped for a protocol violation or socket error. */
        DISCONNECT,
        /** A session ended. */
        SESSION,
        /** A ring started from the used index in guest memory. */
        RING_RESTORE,
        /** A session dropped because its guest memory shrank. */
        MEMORY_FAULT,
        /** A kick, call or error fd refused because it was no eventfd. */
        REFUSED_FD,
        /** A session dropped because a call-fd write stalled. */
        STALLED_CALL,
        /** A memory table refused for the guest-memory limit or budget. */
        REFUSED_MEMORY
    }

    /** Counts one {@code event}; called by the sessions that share these counters. */
    public void count(Event event) {
        (switch (event) {
            case MESSAGE -> messages;
            case REJECTED -> rejected;
            case UNKNOWN_REQUEST -> unknownRequests;
            case DISCONNECT -> disconnects;
            case SESSION -> sessions;
            case RING_RESTORE -> ringRestores;
            case MEMORY_FAULT -> memoryFaults;
            case REFUSED_FD -> refusedFds;
            case STALLED_CALL -> stalledCalls;
            case REFUSED_MEMORY -> refusedMemory;
        }).increment();
    }

    /** All counters at zero. */
    public VhostUserCounters() {
        // Counted by the sessions that share them.
    }

    /** Messages received whole. */
    public long messages() {
        return messages.sum();
    }

    /** Messages refused (bad size, bad fds, bad values), the connection kept. */
    public long rejected() {
        return rejected.sum();
    }

    /** Requests with an id this back-end does not implement. */
    public long unknownRequests() {
        return unknownRequests.sum();
    }

    /** Connections dropped because of a protocol violation or socket error (not clean EOFs). */
    public long disconnects() {
        return disconnects.sum();
    }

    /** Rings started from the used index in guest memory because the front-end's base disagreed with it. */
    public long ringRestores() {
        return ringRestores.sum();
    }

    /**
     * Sessions dropped because the front-end shrank a file under their guest memory or dirty log
     * (found before a ring started, or by a fault in the data path or on the session thread).
     */
    public long memoryFaults() {
        return memoryFaults.sum();
    }

    /** SET_VRING_KICK, SET_VRING_CALL or SET_VRING_ERR fds refused because they were no eventfds. */
    public long refusedFds() {
        return refusedFds.sum();
    }

    /** Sessions dropped because a write to one of their call eventfds did not return in time. */
    public long stalledCalls() {
        return stalledCalls.sum();
    }

    /**
     * SET_MEM_TABLE and ADD_MEM_REG refused because the guest memory would exceed the connection's
     * limit ({@link BackendConfig#maxGuestMemory}) or the budget it shares ({@link GuestMemoryBudget}).
     */
    public long refusedMemory() {
        return refusedMemory.sum();
    }

    /** Sessions that have ended, for any reason. */
    public long sessions() {
        return sessions.sum();
    }
}
