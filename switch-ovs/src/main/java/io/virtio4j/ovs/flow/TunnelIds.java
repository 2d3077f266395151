package io.virtio4j.ovs.flow;

import java.util.List;

import io.virtio4j.ovs.model.PortSpec;

/**
 * OpenFlow's tunnel_id of a frame: the VNI it arrived with on a VXLAN port. A VXLAN port hands a
 * frame to the switch tagged with the VLAN its VNI maps to, one to one (the port's
 * {@code vni = VLAN:VNI} list), so the VNI follows from the ingress port and the tag as received,
 * both in the exact-match cache's key: a flow on tunnel_id keeps the cache. Arrays made once per
 * program; a lookup is two loads.
 */
final class TunnelIds {
    private static final int VLAN_IDS = 4096;
    /** Per port, its VNI per VLAN (0: none), or null for a port that is not VXLAN. */
    private final int[][] vniByVlan;

    TunnelIds(List<PortSpec> ports) {
        vniByVlan = new int[ports.size()][];
        for (int p = 0; p < ports.size(); p++) {
            PortSpec spec = ports.get(p);
            if (spec.vxlan() != null) {
                int[] vnis = new int[VLAN_IDS];
                spec.vxlan().vniByVlan().forEach((vlan, vni) -> vnis[vlan] = vni);
                vniByVlan[p] = vnis;
            }
        }
    }

    /** The VNI of a frame received on {@code port} tagged {@code vlan}, or {@link Match#ANY} when it did not come through a tunnel. */
    int of(int port, int vlan) {
        // In bounds: port is checked against the array; a VLAN is a 12-bit VID (the parser masks it).
        int[] vnis = port >= 0 && port < vniByVlan.length ? vniByVlan[port] : null;
        int vni = vnis == null ? 0 : vnis[vlan & (VLAN_IDS - 1)];
        return vni == 0 ? Match.ANY : vni;
    }
}
