package io.virtio4j.vhostuser;

import java.util.concurrent.atomic.LongAdder;

/** What the back-end has seen, for monitoring and for tests to assert on. Shared by all sessions of a socket. */
public final class VhostUserCounters {
    public final LongAdder messages = new LongAdder();
    public final LongAdder rejected = new LongAdder();
    public final LongAdder unknownRequests = new LongAdder();
    public final LongAdder disconnects = new LongAdder();
    public final LongAdder sessions = new LongAdder();
    public final LongAdder ringRestores = new LongAdder();
    public final LongAdder memoryFaults = new LongAdder();
    public final LongAdder refusedFds = new LongAdder();
    public final LongAdder stalledCalls = new LongAdder();
    public final LongAdder refusedMemory = new LongAdder();

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
