package io.virtio4j.ovs.l3;

import java.util.List;

import io.virtio4j.ovs.model.SubnetSpec;

/**
 * The switch's subnets by VLAN (each subnet has its own VLAN) and by address: an array indexed by
 * VLAN id, so the data path finds a VLAN's gateway without hashing or boxing.
 */
public final class SubnetIndex {
    private static final int VLAN_IDS = 4096;

    private final SubnetSpec[] byVlan = new SubnetSpec[VLAN_IDS];
    private final List<SubnetSpec> all;

    /** An index of {@code subnets} by VLAN. */
    public SubnetIndex(List<SubnetSpec> subnets) {
        this.all = List.copyOf(subnets);
        for (SubnetSpec s : all) {
            byVlan[s.vlan()] = s;
        }
    }

    /** The subnet on {@code vlan}, or null (a VLAN without a subnet is switched, never routed). */
    public SubnetSpec forVlan(int vlan) {
        return vlan > 0 && vlan < VLAN_IDS ? byVlan[vlan] : null;
    }

    /** The subnet containing {@code ip}, or null. Linear: used when building, not per frame. */
    public SubnetSpec containing(int ip) {
        for (SubnetSpec s : all) {
            if (s.prefix().contains(ip)) {
                return s;
            }
        }
        return null;
    }

    /** Whether {@code ip} is one of the switch's gateway addresses. */
    public boolean isGateway(int ip) {
        for (SubnetSpec s : all) {
            if (s.gateway() == ip) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code ip} may be learned as a neighbour on {@code vlan}: inside that VLAN's subnet,
     * not its gateway, network or broadcast address (a guest must not claim those).
     */
    public boolean isHostOf(int vlan, int ip) {
        SubnetSpec s = forVlan(vlan);
        if (s == null || !s.prefix().contains(ip) || ip == s.gateway()) {
            return false;
        }
        int host = ip & ~s.prefix().mask();
        return s.prefix().length() >= 31 || (host != 0 && host != ~s.prefix().mask());
    }

    /** Every subnet, in configuration order. */
    public List<SubnetSpec> all() {
        return all;
    }
}
