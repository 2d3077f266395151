package io.virtio4j.ovs.flow;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import io.virtio4j.ovs.pipeline.DropReason;

/**
 * One table of the program: its entries sorted by priority, highest first (equal priorities keep
 * the order they were added in). Lookups run only on an exact-match cache miss. Every flow the
 * switch spec yields past the ingress table is per VLAN (its gateway, its routes), so the table
 * is partitioned by the VLAN a flow matches: a lookup scans only the flows of the frame's VLAN
 * merged, in priority order, with the flows for any VLAN; each partition is short (the VLAN's
 * gateway flows, or its routes). OVS's tuple-space classifier would be the next step for
 * partitions of thousands.
 */
public final class FlowTable {
    private static final int VLAN_IDS = 4096;

    private final int number;
    private final String name;
    private final FlowEntry[] entries;
    /** Why a frame no entry matches is dropped. */
    private final DropReason miss;
    /** Per VLAN id: its flows and the any-VLAN flows, by priority; VLANs without flows of their own share one array. */
    private final FlowEntry[][] byVlan = new FlowEntry[VLAN_IDS][];

    /** A built-in table: a miss in the ingress table is VLAN_NOT_ALLOWED, elsewhere FLOW_DROP. */
    FlowTable(int number, String name, List<FlowEntry> flows) {
        this(number, name, flows, number == FlowProgram.INGRESS_TABLE ? DropReason.VLAN_NOT_ALLOWED : DropReason.FLOW_DROP);
    }

    FlowTable(int number, String name, List<FlowEntry> flows, DropReason miss) {
        this.miss = miss;
        this.number = number;
        this.name = name;
        List<FlowEntry> sorted = new ArrayList<>(flows);
        sorted.sort(Comparator.comparingInt(FlowEntry::priority).reversed());
        this.entries = sorted.toArray(FlowEntry[]::new);
        FlowEntry[] anyVlan = sorted.stream().filter(e -> e.match().vlan() == Match.ANY).toArray(FlowEntry[]::new);
        for (int vlan = 0; vlan < VLAN_IDS; vlan++) {
            byVlan[vlan] = anyVlan;
        }
        sorted.stream().mapToInt(e -> e.match().vlan()).filter(v -> v != Match.ANY).distinct().forEach(vlan ->
                byVlan[vlan] = sorted.stream().filter(e -> e.match().vlan() == Match.ANY || e.match().vlan() == vlan)
                        .toArray(FlowEntry[]::new));
    }

    /** Why a frame that matches no entry is dropped. */
    DropReason missReason() {
        return miss;
    }

    /** The highest-priority entry matching, or null (a miss: the frame is dropped, {@link #missReason()}). */
    FlowEntry lookup(Translation t) {
        // In bounds: a VLAN is a 12-bit VID (the parser masks it) or one set by mod_vlan_vid (1..4094).
        for (FlowEntry e : byVlan[t.vlan() & (VLAN_IDS - 1)]) {
            if (e.match().matches(t)) {
                return e;
            }
        }
        return null;
    }

    /** The table's number. */
    public int number() {
        return number;
    }

    /** The table's name, for dumps. */
    public String name() {
        return name;
    }

    /** The entries, highest priority first. */
    public List<FlowEntry> entries() {
        return List.of(entries);
    }
}
