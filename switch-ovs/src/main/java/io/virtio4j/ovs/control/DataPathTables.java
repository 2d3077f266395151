package io.virtio4j.ovs.control;

import io.virtio4j.ovs.PortInfo;
import io.virtio4j.ovs.PortRefusal;
import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.datapath.PmdSnapshot;
import io.virtio4j.ovs.model.PortVlan;
import io.virtio4j.ovs.pipeline.DropReason;

import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The control tables of the running data path: {@code ports} (state and counters, like
 * {@code ovs-ofctl dump-ports}) and {@code pmd-stats} (like {@code ovs-appctl
 * dpif-netdev/pmd-stats-show}). They read {@link VirtualSwitch}'s snapshots, which never block a PMD.
 */
public final class DataPathTables {
    private static final double NANOS_PER_MILLI = 1e6;

    private DataPathTables() {
    }

    /** Registers {@code ports}, {@code refusals}, {@code pmd-stats} (with {@code --clear}), and {@code drops} over the pipeline's. */
    public static void register(CommandRegistry registry, VirtualSwitch sw) {
        registry.register("ports", () -> ports(sw.ports()));
        registry.register("refusals", () -> refusals(sw.refusals()));
        PmdStatsBaseline baseline = new PmdStatsBaseline();
        registry.register("pmd-stats", () -> pmdStats(baseline.since(sw.pmdStats())));
        registry.registerOption("pmd-stats", CtlCommands.CLEAR, () -> Table.of("cleared").row(baseline.clear(sw.pmdStats())));
        // The switch-wide drop: counters, not the pipeline's own: those lack what the executor drops
        // after the verdict (port_full at a full or absent guest ring, an egress port without the VLAN).
        registry.replace("drops", () -> PipelineTables.drops(drops(sw)));
    }

    /** Every drop reason with the switch-wide count of the {@code drop:REASON} counters. */
    static Map<DropReason, Long> drops(VirtualSwitch sw) {
        Map<DropReason, Long> drops = new EnumMap<>(DropReason.class);
        for (DropReason reason : DropReason.values()) {
            if (reason != DropReason.NONE) {
                drops.put(reason, sw.drops(reason));
            }
        }
        return drops;
    }

    /**
     * {@code dropped}: the switch's drops at the port (ingress reasons, PORT_FULL at egress);
     * {@code device_drops}: what the port's device layer refused (runts, bad buffers, no RX
     * buffer). A frame for a full guest ring is in both, so they are shown apart, never summed.
     */
    public static Table ports(List<PortInfo> ports) {
        Table table = Table.of("port", "index", "type", "target", "state", "VLAN", "pmd",
                "rx_frames", "rx_bytes", "tx_frames", "tx_bytes", "dropped", "device_drops");
        for (PortInfo p : ports) {
            table.row(p.name(), p.index(), p.type().configName(), p.target(), p.state(), vlan(p.vlan()), p.pmd(),
                    p.stats().rxFrames(), p.stats().rxBytes(), p.stats().txFrames(), p.stats().txBytes(),
                    p.stats().dropped(), p.deviceDrops());
        }
        return table;
    }

    /**
     * One row per vhost-user port and reason: what its front-end had refused (protocol refusals
     * {@code vhost_*}, refused descriptor chains {@code chain_*}), the counters file's figures.
     */
    public static Table refusals(List<PortRefusal> refusals) {
        Table table = Table.of("port", "reason", "count");
        for (PortRefusal r : refusals) {
            table.row(r.port(), r.reason(), r.count());
        }
        return table;
    }

    /** {@code 10} for an access port, {@code trunk:10,20} for a trunk: one token, for awk. */
    static String vlan(PortVlan vlan) {
        return vlan.isTrunk() ? "trunk:" + vlan.trunkVlans().stream().sorted().map(String::valueOf).collect(Collectors.joining(","))
                : String.valueOf(vlan.accessVlan());
    }

    /**
     * One row per PMD. Busy time is time in poll rounds that found frames; busy ns per frame times
     * the clock rate is OVS's "processing cycles per packet".
     */
    public static Table pmdStats(List<PmdSnapshot> pmds) {
        Table table = Table.of("pmd", "frames", "polls", "sleeps", "busy_ms", "idle_ms", "busy_%", "busy_ns/frame");
        for (PmdSnapshot s : pmds) {
            long total = s.busyNanos() + s.idleNanos();
            table.row(s.pmd(), s.frames(), s.polls(), s.sleeps(), milliseconds(s.busyNanos()), milliseconds(s.idleNanos()),
                    decimal(total == 0 ? 0 : 100.0 * s.busyNanos() / total), decimal(s.busyNanosPerFrame()));
        }
        return table;
    }

    private static Long milliseconds(long nanos) {
        return Math.round(nanos / NANOS_PER_MILLI);
    }

    /** A number with one decimal, right-aligned like other numbers (a Double cell). */
    private static Double decimal(double value) {
        return Double.valueOf(String.format(Locale.ROOT, "%.1f", value));
    }
}
