package io.virtio4j.ovs.l3;

import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.Ipv4Prefix;
import io.virtio4j.spi.net.MacAddress;

/**
 * One route as a VLAN sees it.
 *
 * @param ingressVlan the VLAN whose hosts use it (through their subnet's gateway)
 * @param destination the prefix it covers
 * @param nextHop     the next hop's address, or {@link #CONNECTED} (the destination itself)
 * @param egressVlan  the VLAN the routed frame leaves on (the next hop's subnet)
 * @param gatewayMac  the egress subnet's gateway MAC, the routed frame's new source
 * @param precedence  among equal prefixes: 3 connected, 2 static for this VLAN, 1 static for all
 */
public record RouteEntry(int ingressVlan, Ipv4Prefix destination, int nextHop, int egressVlan, long gatewayMac,
                         int precedence) {
    /** The next hop of a connected route. */
    public static final int CONNECTED = 0;

    /** Whether the destination is a connected subnet (no next hop: the frame's own destination). */
    public boolean connected() {
        return nextHop == CONNECTED;
    }

    @Override
    public String toString() {
        return "vlan " + ingressVlan + ": " + destination + (connected() ? " connected" : " via " + Ipv4.format(nextHop))
                + " -> vlan " + egressVlan + " src " + MacAddress.format(gatewayMac);
    }
}
