package io.virtio4j.ovs.flow;

import java.util.ArrayList;
import java.util.List;

import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortVlan;

/**
 * Which ports carry each VLAN (its access ports and the trunks that carry it): the flood set of
 * a VLAN, in an array indexed by VLAN id so flooding reads one int array per frame.
 */
public final class VlanPorts {
    private static final int VLAN_IDS = 4096;
    private static final int[] NONE = new int[0];

    private final int[][] byVlan = new int[VLAN_IDS][];

    /** The VLAN-to-ports map of {@code ports} (a port's index is its position in the list). */
    public VlanPorts(List<PortSpec> ports) {
        List<List<Integer>> lists = new ArrayList<>(VLAN_IDS);
        for (int v = 0; v < VLAN_IDS; v++) {
            lists.add(null);
        }
        for (int p = 0; p < ports.size(); p++) {
            PortVlan pv = ports.get(p).vlan();
            if (pv.isTrunk()) {
                for (int v : pv.trunkVlans()) {
                    add(lists, v, p);
                }
            } else {
                add(lists, pv.accessVlan(), p);
            }
        }
        for (int v = 0; v < VLAN_IDS; v++) {
            List<Integer> l = lists.get(v);
            byVlan[v] = l == null ? NONE : l.stream().mapToInt(Integer::intValue).sorted().toArray();
        }
    }

    private static void add(List<List<Integer>> lists, int vlan, int port) {
        if (lists.get(vlan) == null) {
            lists.set(vlan, new ArrayList<>());
        }
        lists.get(vlan).add(port);
    }

    /** The ports of {@code vlan} in ascending order (empty for an unknown or out-of-range VLAN); do not modify. */
    public int[] ports(int vlan) {
        return vlan >= 0 && vlan < VLAN_IDS ? byVlan[vlan] : NONE;
    }
}
