package io.virtio4j.ovs.l3;

/** One neighbour (ARP) entry as the control interface shows it. */
public record NeighbourEntry(int vlan, int ip, long mac, boolean isStatic) {
}
