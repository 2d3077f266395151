package io.virtio4j.api.feature;

import java.util.List;

import static io.virtio4j.api.feature.VirtioFeature.*;

/**
 * A dependency between feature bits: when {@link #feature} is acked, at least one of
 * {@link #anyOf} must be acked too. The table is the "Feature bit requirements" of virtio 1.2
 * section 5.1.3.1 (net) and the transport's own rules.
 *
 * @param feature the dependent feature
 * @param anyOf   features of which at least one must accompany it
 */
public record FeatureRule(VirtioFeature feature, List<VirtioFeature> anyOf) {

    /** The virtio-net requirements of spec 5.1.3.1. */
    public static final List<FeatureRule> NET = List.of(
            rule(NET_GUEST_TSO4, NET_GUEST_CSUM),
            rule(NET_GUEST_TSO6, NET_GUEST_CSUM),
            rule(NET_GUEST_ECN, NET_GUEST_TSO4, NET_GUEST_TSO6),
            rule(NET_GUEST_UFO, NET_GUEST_CSUM),
            rule(NET_GUEST_USO4, NET_GUEST_CSUM),
            rule(NET_GUEST_USO6, NET_GUEST_CSUM),
            rule(NET_HOST_TSO4, NET_CSUM),
            rule(NET_HOST_TSO6, NET_CSUM),
            rule(NET_HOST_ECN, NET_HOST_TSO4, NET_HOST_TSO6),
            rule(NET_HOST_UFO, NET_CSUM),
            rule(NET_HOST_USO, NET_CSUM),
            rule(NET_CTRL_GUEST_OFFLOADS, NET_CTRL_VQ),
            rule(NET_CTRL_RX, NET_CTRL_VQ),
            rule(NET_CTRL_VLAN, NET_CTRL_VQ),
            rule(NET_CTRL_RX_EXTRA, NET_CTRL_RX),
            rule(NET_GUEST_ANNOUNCE, NET_CTRL_VQ),
            rule(NET_MQ, NET_CTRL_VQ),
            rule(NET_CTRL_MAC_ADDR, NET_CTRL_VQ),
            rule(NET_NOTF_COAL, NET_CTRL_VQ),
            rule(NET_VQ_NOTF_COAL, NET_CTRL_VQ),
            rule(NET_RSC_EXT, NET_HOST_TSO4, NET_HOST_TSO6),
            rule(NET_RSS, NET_CTRL_VQ));

    /** Builds a rule. */
    public FeatureRule {
        anyOf = List.copyOf(anyOf);
        if (anyOf.isEmpty()) {
            throw new IllegalArgumentException("a rule needs at least one companion");
        }
    }

    private static FeatureRule rule(VirtioFeature feature, VirtioFeature... anyOf) {
        return new FeatureRule(feature, List.of(anyOf));
    }

    /** Whether the rule holds for the acked bits (trivially so when {@link #feature} is not acked). */
    public boolean holds(long acked) {
        if (!feature.in(acked)) {
            return true;
        }
        for (VirtioFeature companion : anyOf) {
            if (companion.in(acked)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(feature.specName()).append(" requires ");
        for (int i = 0; i < anyOf.size(); i++) {
            sb.append(i == 0 ? "" : " or ").append(anyOf.get(i).specName());
        }
        return sb.toString();
    }
}
