package io.virtio4j.ovs.model;

import java.util.Objects;

/**
 * A static route: traffic entering on {@code vlan} (0: on every VLAN) for {@code destination} goes
 * to the next hop {@code nextHop}, which must be in a connected subnet.
 */
public record RouteSpec(int vlan, Ipv4Prefix destination, int nextHop) {

    /** Checks the destination and the VLAN (0: every VLAN). */
    public RouteSpec {
        Objects.requireNonNull(destination, "destination");
        if (vlan != 0) {
            PortVlan.checkVlan(vlan);
        }
    }
}
