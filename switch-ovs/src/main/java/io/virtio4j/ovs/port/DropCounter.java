package io.virtio4j.ovs.port;

import io.virtio4j.api.counters.CounterDescriptor;
import io.virtio4j.api.counters.CounterTypes;
import io.virtio4j.ovs.pipeline.DropReason;

/**
 * The counters of {@link DropCounters}: one per {@link DropReason} that is a drop, of the same
 * name (so the label, the name in lower case, is the one {@code ctl drops}, the counters file and
 * the metrics endpoint have always shown). {@link DropReason#NONE} is a verdict's default, not a
 * drop, and has none. {@link #of} checks when the class loads that the two enums match.
 */
public enum DropCounter implements CounterDescriptor {
    /** {@link DropReason#MALFORMED}. */
    MALFORMED,
    /** {@link DropReason#VLAN_NOT_ALLOWED}. */
    VLAN_NOT_ALLOWED,
    /** {@link DropReason#SAME_PORT}. */
    SAME_PORT,
    /** {@link DropReason#TTL_EXPIRED}. */
    TTL_EXPIRED,
    /** {@link DropReason#NO_ROUTE}. */
    NO_ROUTE,
    /** {@link DropReason#NO_NEIGHBOUR}. */
    NO_NEIGHBOUR,
    /** {@link DropReason#TO_GATEWAY}. */
    TO_GATEWAY,
    /** {@link DropReason#PORT_FULL}. */
    PORT_FULL,
    /** {@link DropReason#FLOW_DROP}. */
    FLOW_DROP,
    /** {@link DropReason#FLOOD_NO_PORT}. */
    FLOOD_NO_PORT,
    /** {@link DropReason#MTU_EXCEEDED}. */
    MTU_EXCEEDED;

    /** Per {@link DropReason} ordinal, its counter; null for NONE. */
    private static final DropCounter[] BY_REASON = new DropCounter[DropReason.values().length];

    static {
        for (DropCounter c : values()) {
            BY_REASON[DropReason.valueOf(c.name()).ordinal()] = c;
        }
        for (DropReason r : DropReason.values()) {
            if ((BY_REASON[r.ordinal()] == null) != (r == DropReason.NONE)) {
                throw new ExceptionInInitializerError("drop reason " + r + " has no DropCounter of its name");
            }
        }
    }

    /** The counter of {@code reason}, or null for {@link DropReason#NONE}. No allocation. */
    public static DropCounter of(DropReason reason) {
        return BY_REASON[reason.ordinal()];
    }

    /** The reason this counter counts. */
    public DropReason reason() {
        return DropReason.valueOf(name());
    }

    /**
     * The type of a port's drops ({@code port:<name>:drop_<reason>}); the switch-wide set
     * ({@code drop:<reason>}) is allocated with {@link CounterTypes#SWITCH_DROPS} instead.
     */
    @Override
    public int typeId() {
        return CounterTypes.SWITCH_PORT;
    }
}
