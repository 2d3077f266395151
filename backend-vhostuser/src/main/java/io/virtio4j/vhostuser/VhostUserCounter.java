package io.virtio4j.vhostuser;

import io.virtio4j.api.counters.CounterDescriptor;
import io.virtio4j.api.counters.CounterTypes;

/**
 * The protocol counters of a vhost-user back-end socket ({@link VhostUserCounters}), shared by
 * all its sessions. The labels are those a switch port shows them under ({@code port:<name>:<label>}).
 */
public enum VhostUserCounter implements CounterDescriptor {
    /** Messages received whole. */
    MESSAGES("vhost_messages"),
    /** Messages refused (bad size, bad fds, bad values), the connection kept. */
    REJECTED("vhost_rejected"),
    /** Requests with an id this back-end does not implement. */
    UNKNOWN_REQUESTS("vhost_unknown_requests"),
    /** SET_VRING_KICK, SET_VRING_CALL or SET_VRING_ERR fds refused because they were no eventfds. */
    REFUSED_FDS("vhost_refused_fds"),
    /** SET_MEM_TABLE and ADD_MEM_REG refused for exceeding the guest memory limit or budget. */
    REFUSED_MEMORY("vhost_refused_memory"),
    /** Sessions dropped because the front-end shrank a file under their guest memory or dirty log. */
    MEMORY_FAULTS("vhost_memory_faults"),
    /** Sessions dropped because a write to one of their call eventfds did not return in time. */
    STALLED_CALLS("vhost_stalled_calls"),
    /** Connections dropped because of a protocol violation or socket error (not clean EOFs). */
    DISCONNECTS("vhost_disconnects"),
    /** Rings started from the used index in guest memory because the front-end's base disagreed with it. */
    RING_RESTORES("vhost_ring_restores"),
    /** Sessions that have ended, for any reason. */
    SESSIONS("vhost_sessions_ended");

    private final String label;

    VhostUserCounter(String label) {
        this.label = label;
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public int typeId() {
        return CounterTypes.VHOST_USER_BACKEND;
    }
}
