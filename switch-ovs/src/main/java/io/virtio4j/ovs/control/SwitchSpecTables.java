package io.virtio4j.ovs.control;

import io.virtio4j.ovs.l3.NeighbourEntry;
import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.RouteSpec;
import io.virtio4j.ovs.model.SubnetSpec;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.spi.net.MacAddress;

import java.util.function.Supplier;

/**
 * The control tables that come straight from the configuration: the routing table (connected
 * subnets and static routes) and static neighbours, which is what an {@code ipforward} gateway
 * namespace is given. The running data path adds the live ones (ports, FDB, flows, PMD
 * statistics; with {@code ovs-only} live routes and neighbours) to the same registry.
 */
public final class SwitchSpecTables {
    private SwitchSpecTables() {
    }

    /** Registers {@code routes} and {@code neighbours} for {@code spec}. */
    public static void register(CommandRegistry registry, SwitchSpec spec) {
        register(registry, () -> spec);
    }

    /**
     * Registers {@code routes} and {@code neighbours} for the spec {@code running} returns at each
     * request: the one last applied, so a reload or {@code ctl add-route} shows at once.
     */
    public static void register(CommandRegistry registry, Supplier<SwitchSpec> running) {
        registry.register("routes", () -> routes(running.get()));
        registry.register("neighbours", () -> neighbours(running.get()));
    }

    /** Connected subnets first (like {@code ip route}), then static routes; {@code l3} says who uses it. */
    public static Table routes(SwitchSpec spec) {
        Table table = Table.of("destination", "via", "VLAN", "gateway", "gateway_MAC", "l3");
        String l3 = spec.l3().configName();
        for (SubnetSpec s : spec.subnets()) {
            table.row(s.prefix().toString(), "connected", s.vlan(), Ipv4.format(s.gateway()), MacAddress.format(s.gatewayMac()), l3);
        }
        for (RouteSpec r : spec.routes()) {
            table.row(r.destination().toString(), Ipv4.format(r.nextHop()), r.vlan() == 0 ? "all" : String.valueOf(r.vlan()),
                    null, null, l3);
        }
        return table;
    }

    /** The static neighbours, in the same shape as the live table of {@link PipelineTables#neighbours}. */
    public static Table neighbours(SwitchSpec spec) {
        return PipelineTables.neighbours(spec.neighbours().stream()
                .map(n -> new NeighbourEntry(n.vlan(), n.ip(), n.mac(), true)).toList());
    }
}
