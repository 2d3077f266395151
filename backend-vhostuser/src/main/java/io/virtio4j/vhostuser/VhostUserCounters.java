package io.virtio4j.vhostuser;

import java.util.concurrent.atomic.LongAdder;

/** What the back-end has seen, for monitoring and for tests to assert on. Shared by all sessions of a socket. */
public final class VhostUserCounters {
    final LongAdder messages = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder unknownRequests = new LongAdder();
    final LongAdder disconnects = new LongAdder();
    final LongAdder sessions = new LongAdder();
    final LongAdder ringRestores = new LongAdder();

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

    /** Sessions that have ended, for any reason. */
    public long sessions() {
        return sessions.sum();
    }
}
