package io.virtio4j.ovs.l3;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.RouteSpec;
import io.virtio4j.ovs.model.SubnetSpec;
import io.virtio4j.ovs.model.SwitchSpec;

/**
 * The routes each VLAN with a subnet sees: every connected subnet (including its own, so hosts
 * that send to the gateway MAC for a local address are hairpinned correctly) plus the static
 * routes for that VLAN or for all (VLAN 0). The flow program turns them into flows whose priority
 * orders them by prefix length, which makes the first matching flow the longest prefix match.
 */
public final class Routes {
    private Routes() {
    }

    /**
     * The routes of {@code spec}, by ingress VLAN then longest prefix first.
     *
     * @throws IllegalArgumentException if a static route's next hop is in no subnet, or is a gateway address
     */
    public static List<RouteEntry> of(SwitchSpec spec) {
        SubnetIndex subnets = new SubnetIndex(spec.subnets());
        for (RouteSpec r : spec.routes()) {
            SubnetSpec via = subnets.containing(r.nextHop());
            if (via == null) {
                throw new IllegalArgumentException("route to " + r.destination() + ": next hop "
                        + Ipv4.format(r.nextHop()) + " is in none of the switch's subnets; use an address of a connected subnet");
            }
            if (subnets.isGateway(r.nextHop())) {
                throw new IllegalArgumentException("route to " + r.destination() + ": next hop "
                        + Ipv4.format(r.nextHop()) + " is the switch's own gateway address (a loop)");
            }
        }
        List<RouteEntry> out = new ArrayList<>();
        for (SubnetSpec ingress : spec.subnets()) {
            int vlan = ingress.vlan();
            for (SubnetSpec egress : spec.subnets()) {
                out.add(new RouteEntry(vlan, egress.prefix(), RouteEntry.CONNECTED, egress.vlan(), egress.gatewayMac(), 3));
            }
            for (RouteSpec r : spec.routes()) {
                if (r.vlan() == 0 || r.vlan() == vlan) {
                    SubnetSpec via = subnets.containing(r.nextHop());
                    out.add(new RouteEntry(vlan, r.destination(), r.nextHop(), via.vlan(), via.gatewayMac(),
                            r.vlan() == 0 ? 1 : 2));
                }
            }
        }
        out.sort(Comparator.comparingInt(RouteEntry::ingressVlan)
                .thenComparing(e -> -e.destination().length())
                .thenComparing(e -> -e.precedence()));
        return List.copyOf(out);
    }
}
