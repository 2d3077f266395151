package io.virtio4j.ovs.vxlan;

import java.util.Arrays;
import java.util.Map;

import io.virtio4j.ovs.packet.Ethernet;

/**
 * VLAN to VNI and back for one port, as arrays the data path reads without allocation: a VLAN
 * indexes the forward array, a VNI is found by binary search in the sorted reverse arrays.
 */
final class VniMap {
    private final int[] vniOfVlan = new int[Ethernet.VLAN_ID_MASK + 1];
    private final int[] vnis;
    private final int[] vlans;

    VniMap(Map<Integer, Integer> vniByVlan) {
        vnis = vniByVlan.values().stream().mapToInt(Integer::intValue).sorted().toArray();
        vlans = new int[vnis.length];
        vniByVlan.forEach((vlan, vni) -> {
            vniOfVlan[vlan] = vni;
            vlans[Arrays.binarySearch(vnis, vni)] = vlan;
        });
    }

    /** The VNI {@code vlan} travels as, or 0 when it has none. */
    int vni(int vlan) {
        return vlan >= 0 && vlan < vniOfVlan.length ? vniOfVlan[vlan] : 0;
    }

    /** The VLAN {@code vni} arrives into, or 0 when the port does not map it. */
    int vlan(int vni) {
        int i = Arrays.binarySearch(vnis, vni);
        return i >= 0 ? vlans[i] : 0;
    }
}
