package io.virtio4j.ovs.model;

/** A static neighbour (ARP) entry: {@code ip} on {@code vlan} is at {@code mac}. */
public record NeighbourSpec(int vlan, int ip, long mac) {

    /** Checks the VLAN and that the MAC has 48 bits. */
    public NeighbourSpec {
        PortVlan.checkVlan(vlan);
        if ((mac >>> 48) != 0) {
            throw new IllegalArgumentException("a MAC address has 48 bits");
        }
    }
}
