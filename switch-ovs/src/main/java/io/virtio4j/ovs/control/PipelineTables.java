package io.virtio4j.ovs.control;

import io.virtio4j.ovs.l2.FdbEntry;
import io.virtio4j.ovs.l3.NeighbourEntry;
import io.virtio4j.ovs.l3.RouteEntry;
import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.pipeline.DropReason;
import io.virtio4j.ovs.pipeline.OvsPipeline;
import io.virtio4j.ovs.pipeline.PipelineCounter;
import io.virtio4j.ovs.pipeline.TableStats;
import io.virtio4j.spi.net.MacAddress;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The control tables of the running flow program, in the shape of the OVS tools: {@code fdb}
 * ({@code ovs-appctl fdb/show}), {@code flows} ({@code ovs-ofctl dump-flows}), {@code tables}
 * ({@code dump-tables}), {@code drops}, {@code pipeline} (cache hits and replies), and the live
 * {@code routes} and {@code neighbours} (learned ones included), which with {@code ovs-only} replace
 * the configured ones.
 * Every handler reads a snapshot the pipeline makes for readers; none blocks a PMD thread.
 */
public final class PipelineTables {
    private PipelineTables() {
    }

    /** Registers the pipeline's commands in {@code registry}. */
    public static void register(CommandRegistry registry, OvsPipeline pipeline) {
        register(registry, () -> pipeline);
    }

    /**
     * Registers the commands of the pipeline {@code current} returns at each request: a live
     * reconfiguration replaces the running switch's pipeline (its routing mode stays).
     */
    public static void register(CommandRegistry registry, java.util.function.Supplier<OvsPipeline> current) {
        registry.register("fdb", () -> {
            OvsPipeline pipeline = current.get();
            return fdb(pipeline.fdb(), pipeline.spec().ports(), e -> "-");
        });
        registry.register("fdb-flush", () -> Table.of("flushed").row(current.get().flushFdb()));
        registry.register("flows", () -> flows(current.get().flows()));
        registry.register("tables", () -> tables(current.get().tables()));
        registry.register("drops", () -> drops(current.get().drops()));
        registry.register("pipeline", () -> counters(current.get()));
        if (current.get().spec().l3() == L3Mode.OVS_ONLY) {
            // Only ovs-only routes in the switch; with ipforward the namespace's kernel holds the configured routes.
            registry.replace("routes", () -> routes(current.get().routes()));
            registry.replace("neighbours", () -> neighbours(current.get().neighbours()));
        }
    }

    /** The {@code fdb} table without the {@code vtep} column, for a switch without VXLAN ports (the demo prints it). */
    public static Table fdb(List<FdbEntry> entries, List<PortSpec> ports) {
        return fdb(entries, ports, null);
    }

    /**
     * The {@code fdb} table: port, VLAN, MAC, age, and the remote VTEP {@code vtep} names for a MAC
     * learned on a VXLAN port ("-" for the others); without {@code vtep} (null) the table has no such column.
     */
    public static Table fdb(List<FdbEntry> entries, List<PortSpec> ports, java.util.function.Function<FdbEntry, String> vtep) {
        Table table = vtep == null ? Table.of("port", "VLAN", "MAC", "Age") : Table.of("port", "VLAN", "MAC", "Age", "vtep");
        for (FdbEntry e : entries) {
            // The port index comes from the data path; show it raw if it is not a configured port.
            String port = e.port() >= 0 && e.port() < ports.size() ? ports.get(e.port()).name() : "#" + e.port();
            if (vtep == null) {
                table.row(port, e.vlan(), MacAddress.format(e.mac()), e.age().toSeconds());
            } else {
                table.row(port, e.vlan(), MacAddress.format(e.mac()), e.age().toSeconds(), vtep.apply(e));
            }
        }
        return table;
    }

    /** The {@code flows} table: one flow per row. */
    public static Table flows(List<String> flows) {
        Table table = Table.of("flow").freeTextLast();
        flows.forEach(table::row);
        return table;
    }

    /** The {@code tables} table: lookups and matches per flow table. */
    public static Table tables(List<TableStats> stats) {
        Table table = Table.of("table", "name", "lookups", "matched");
        stats.forEach(s -> table.row(s.table(), s.name(), s.lookups(), s.matched()));
        return table;
    }

    /** The {@code drops} table: frames dropped per reason. */
    public static Table drops(Map<DropReason, Long> drops) {
        Table table = Table.of("reason", "frames");
        drops.forEach((reason, frames) -> table.row(reason.name().toLowerCase(Locale.ROOT), frames));
        return table;
    }

    /** The {@code pipeline} table: every pipeline counter. */
    public static Table counters(OvsPipeline pipeline) {
        Table table = Table.of("counter", "value");
        for (PipelineCounter c : PipelineCounter.values()) {
            table.row(c.name().toLowerCase(Locale.ROOT), pipeline.counter(c));
        }
        return table;
    }

    /** The {@code routes} table: the live routes per VLAN. */
    public static Table routes(List<RouteEntry> routes) {
        Table table = Table.of("VLAN", "destination", "via", "out_VLAN", "source_MAC");
        for (RouteEntry r : routes) {
            table.row(r.ingressVlan(), r.destination().toString(), r.connected() ? "connected" : Ipv4.format(r.nextHop()),
                    r.egressVlan(), MacAddress.format(r.gatewayMac()));
        }
        return table;
    }

    /** The {@code neighbours} table: static and learned neighbours. */
    public static Table neighbours(List<NeighbourEntry> neighbours) {
        Table table = Table.of("VLAN", "IP", "MAC", "source");
        neighbours.forEach(n -> table.row(n.vlan(), Ipv4.format(n.ip()), MacAddress.format(n.mac()), n.isStatic() ? "static" : "learned"));
        return table;
    }
}
