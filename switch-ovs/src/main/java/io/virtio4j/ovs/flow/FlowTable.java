package io.virtio4j.ovs.flow;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One table of the program: its entries sorted by priority, highest first (equal priorities keep
 * the order they were added in), looked up by a linear scan. The scan runs only on an exact-match
 * cache miss, and the programs built from a switch spec hold a few flows per port, VLAN and route;
 * OVS's tuple-space classifier would be the next step for tables of thousands.
 */
public final class FlowTable {
    private final int number;
    private final String name;
    private final FlowEntry[] entries;

    FlowTable(int number, String name, List<FlowEntry> flows) {
        this.number = number;
        this.name = name;
        List<FlowEntry> sorted = new ArrayList<>(flows);
        sorted.sort(Comparator.comparingInt(FlowEntry::priority).reversed());
        this.entries = sorted.toArray(FlowEntry[]::new);
    }

    /** The highest-priority entry matching, or null (a miss: the frame is dropped, FLOW_DROP). */
    FlowEntry lookup(Translation t) {
        for (FlowEntry e : entries) {
            if (e.match().matches(t)) {
                return e;
            }
        }
        return null;
    }

    public int number() {
        return number;
    }

    public String name() {
        return name;
    }

    public List<FlowEntry> entries() {
        return List.of(entries);
    }
}
