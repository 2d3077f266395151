package io.virtio4j.ovs.flow;

import java.util.ArrayList;
import java.util.List;

import io.virtio4j.ovs.pipeline.DropReason;

/**
 * Tables 0..n-1 of flows; a frame starts in table 0 and moves on only by {@code goto_table} to a
 * later table (checked here, as OpenFlow requires), so translation always ends. Immutable once
 * built: changes to what the program decides come only from the FDB and the neighbour table, whose
 * generation numbers the exact-match cache checks.
 */
public final class FlowProgram {
    /** The table whose end fixes the frame's ingress VLAN. */
    public static final int INGRESS_TABLE = 0;

    private final FlowTable[] tables;
    private final int flowCount;

    FlowProgram(List<FlowTable> tables) {
        this.tables = tables.toArray(FlowTable[]::new);
        int count = 0;
        for (int i = 0; i < this.tables.length; i++) {
            FlowTable t = this.tables[i];
            if (t.number() != i) {
                throw new IllegalArgumentException("table " + t.number() + " is at position " + i);
            }
            for (FlowEntry e : t.entries()) {
                for (Action a : e.actions()) {
                    if (a instanceof Actions.GotoTable g && (g.table() <= t.number() || g.table() >= this.tables.length)) {
                        throw new IllegalArgumentException("flow in table " + t.number() + " goes to table " + g.table()
                                + "; goto_table must go forward to an existing table");
                    }
                }
                count = Math.max(count, e.id() + 1);
            }
        }
        this.flowCount = count;
    }

    /**
     * Translates {@code t}'s frame through the tables into its resolution, counting per table the
     * lookups and the matches into this thread's counters.
     */
    public void translate(Translation t, Counters tableLookups, Counters tableMatches) {
        Resolution result = t.result();
        int table = INGRESS_TABLE;
        while (true) {
            tableLookups.increment(table);
            FlowEntry e = tables[table].lookup(t);
            if (e == null) {
                t.drop(table == INGRESS_TABLE ? DropReason.VLAN_NOT_ALLOWED : DropReason.FLOW_DROP);
                break;
            }
            tableMatches.increment(table);
            result.addFlow(e.id());
            e.apply(t);
            if (table == INGRESS_TABLE && !t.stopped()) {
                result.ingressVlan(t.vlan());
            }
            int next = t.takeNextTable();
            if (t.stopped() || next < 0) {
                break;
            }
            table = next;
        }
        t.finish();
    }

    /** Number of tables. */
    public int tableCount() {
        return tables.length;
    }

    /** One more than the highest flow id: the size of a packet-counter row. */
    public int flowCount() {
        return flowCount;
    }

    /** Table {@code n}. */
    public FlowTable table(int n) {
        return tables[n];
    }

    /**
     * The program as {@code ovs-ofctl dump-flows} prints it, with packet counts from
     * {@code packets} (indexed by flow id).
     */
    public List<String> dump(long[] packets) {
        List<String> lines = new ArrayList<>();
        for (FlowTable t : tables) {
            for (FlowEntry e : t.entries()) {
                lines.add(e.describe(e.id() < packets.length ? packets[e.id()] : 0));
            }
        }
        return lines;
    }
}
