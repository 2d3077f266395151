package io.virtio4j.ovs.datapath;

import io.virtio4j.ovs.model.PortVlan;

/**
 * A port's VLAN membership as a 4096-bit mask, so the per-frame check "may this frame leave by
 * this port" is a shift and a load (PortVlan's set would box the VLAN id).
 */
final class VlanMask {
    private final long[] bits = new long[64];
    private final boolean trunk;

    VlanMask(PortVlan vlan) {
        this.trunk = vlan.isTrunk();
        if (trunk) {
            vlan.trunkVlans().forEach(this::set);
        } else {
            set(vlan.accessVlan());
        }
    }

    private void set(int vlan) {
        bits[vlan >>> 6] |= 1L << (vlan & 63);
    }

    /** Whether frames of {@code vlan} may leave by the port; false for anything outside 1..4094. */
    boolean carries(int vlan) {
        return vlan > 0 && vlan < 4095 && (bits[vlan >>> 6] & (1L << (vlan & 63))) != 0;
    }

    /** Trunks carry tagged frames; access ports untagged ones. */
    boolean trunk() {
        return trunk;
    }
}
