package io.virtio4j.ovs.model;

import java.util.Set;

/**
 * A port's VLAN membership: an access port carries untagged frames of one VLAN (one VPC); a trunk
 * carries 802.1Q-tagged frames of several.
 *
 * @param accessVlan the VLAN of an access port (1..4094), or 0 for a trunk
 * @param trunkVlans the VLANs a trunk carries (empty for an access port)
 */
public record PortVlan(int accessVlan, Set<Integer> trunkVlans) {

    /** Checks that the port is either an access port or a trunk, and every VLAN id; copies the trunk set. */
    public PortVlan {
        trunkVlans = Set.copyOf(trunkVlans);
        if ((accessVlan == 0) == trunkVlans.isEmpty()) {
            throw new IllegalArgumentException("a port is either an access port of one VLAN or a trunk of some");
        }
        if (accessVlan != 0) {
            checkVlan(accessVlan);
        }
        trunkVlans.forEach(PortVlan::checkVlan);
    }

    /** An access port of {@code vlan}. */
    public static PortVlan access(int vlan) {
        return new PortVlan(vlan, Set.of());
    }

    /** A trunk carrying {@code vlans}. */
    public static PortVlan trunk(Set<Integer> vlans) {
        return new PortVlan(0, vlans);
    }

    /** As an operator reads it: {@code 10}, or {@code trunk 10,20} (VLANs ascending). */
    public String describe() {
        return isTrunk()
                ? "trunk " + trunkVlans.stream().sorted().map(String::valueOf).collect(java.util.stream.Collectors.joining(","))
                : String.valueOf(accessVlan);
    }

    /** Whether this is a trunk (tagged frames of several VLANs) rather than an access port. */
    public boolean isTrunk() {
        return accessVlan == 0;
    }

    /** Whether frames of {@code vlan} may enter or leave through this port. */
    public boolean carries(int vlan) {
        return isTrunk() ? trunkVlans.contains(vlan) : accessVlan == vlan;
    }

    /** Throws unless {@code vlan} is a usable 802.1Q VLAN id (0 and 4095 are reserved). */
    public static void checkVlan(int vlan) {
        if (vlan < 1 || vlan > 4094) {
            throw new IllegalArgumentException("VLAN " + vlan + " is not in 1..4094");
        }
    }
}
