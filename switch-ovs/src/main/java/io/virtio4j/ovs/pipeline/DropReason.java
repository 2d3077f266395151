package io.virtio4j.ovs.pipeline;

import io.virtio4j.api.counters.CounterDescriptor;
import io.virtio4j.api.counters.CounterTypes;

/**
 * Why a frame went nowhere; each but NONE has a counter ({@code DropCounters}), labelled with the
 * name in lower case, so renaming a constant renames a counter operators see.
 */
public enum DropReason implements CounterDescriptor {
    /** Not dropped: a verdict's default. It has no counter; counting it is a no-op. */
    NONE,
    /** Shorter than an Ethernet header, or a header that claims more than the frame holds. */
    MALFORMED,
    /** Tagged with a VLAN the ingress port does not carry, or tagged on an access port. */
    VLAN_NOT_ALLOWED,
    /** The learned destination is the ingress port itself. */
    SAME_PORT,
    /** Routed, but the TTL was 1 or less. */
    TTL_EXPIRED,
    /** Routed, but no route matched the destination. */
    NO_ROUTE,
    /** Routed, but the next hop's MAC is unknown (an ARP request may have been sent). */
    NO_NEIGHBOUR,
    /** Addressed to the gateway but not something the switch answers (not ARP, not ICMP echo). */
    TO_GATEWAY,
    /** The destination port had no room (its ring was full or it is not connected). */
    PORT_FULL,
    /** The flow program said drop. */
    FLOW_DROP,
    /**
     * Flooded (unknown unicast, multicast, broadcast), but the VLAN has no port besides the one the
     * frame came in on: it reached nobody. Counted at the ingress port.
     */
    FLOOD_NO_PORT,
    /**
     * Longer than the output port's {@code mtu} (its IP packet, or a super-frame's segments, past the
     * Ethernet header and tag). Counted at the output port.
     */
    MTU_EXCEEDED,
    /** Matched no flow of an OpenFlow table (OpenFlow's table-miss: dropped, as no miss flow says otherwise). */
    TABLE_MISS;

    /**
     * The type of a port's drops ({@code port:<name>:drop_<reason>}); the switch-wide set
     * ({@code drop:<reason>}) is allocated with {@link CounterTypes#SWITCH_DROPS} instead.
     */
    @Override
    public int typeId() {
        return CounterTypes.SWITCH_PORT;
    }
}
