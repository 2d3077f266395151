package io.virtio4j.vhostuser;

import java.util.Locale;

import io.virtio4j.api.counters.CounterDescriptor;
import io.virtio4j.api.counters.CounterTypes;

/**
 * The protocol counters of a vhost-user back-end socket ({@link VhostUserCounters}), shared by
 * all its sessions. The labels are those a switch port shows them under ({@code port:<name>:<label>}).
 */
public enum VhostUserCounter implements CounterDescriptor {
    /** Messages received whole. */
    MESSAGES,
    /** Messages refused (bad size, bad fds, bad values), the connection kept. */
    REJECTED,
    /** Requests with an id this back-end does not implement. */
    UNKNOWN_REQUESTS,
    /** SET_VRING_KICK, SET_VRING_CALL or SET_VRING_ERR fds refused because they were no eventfds. */
    REFUSED_FDS,
    /** SET_MEM_TABLE and ADD_MEM_REG refused for exceeding the guest memory limit or budget. */
    REFUSED_MEMORY,
    /** Sessions dropped because the front-end shrank a file under their guest memory or dirty log. */
    MEMORY_FAULTS,
    /** Sessions dropped because a write to one of their call eventfds did not return in time. */
    STALLED_CALLS,
    /** Connections dropped because of a protocol violation or socket error (not clean EOFs). */
    DISCONNECTS,
    /** Rings started from the used index in guest memory because the front-end's base disagreed with it. */
    RING_RESTORES,
    /** Sessions that have ended, for any reason. */
    SESSIONS_ENDED;


    /** {@code vhost_} and the name in lower case: the back-end's counters beside a switch port's own. */
    @Override
    public String label() {
        return "vhost_" + name().toLowerCase(Locale.ROOT);
    }

    @Override
    public int typeId() {
        return CounterTypes.VHOST_USER_BACKEND;
    }
}
