package io.virtio4j.ovs.flow;

import java.util.ArrayList;
import java.util.List;


/**
 * Tables 0..n-1 of flows; a frame starts in table 0 and moves on only by {@code goto_table} to a
 * table later in the evaluation order (checked here, as OpenFlow requires), so translation always
 * ends. The order is the tables' numbers unless a rank is given: OpenFlow's tables are numbered
 * after the built-in ones (which keep their numbers) but run between the ingress table and them.
 * Immutable once built: changes to what the program decides come only from the FDB and the
 * neighbour table, whose generation numbers the exact-match cache checks; changing flows means a
 * new program (and a new pipeline, whose caches start empty).
 */
public final class FlowProgram {
    /** The table whose end fixes the frame's ingress VLAN. */
    public static final int INGRESS_TABLE = 0;

    private final FlowTable[] tables;
    private final int flowCount;
    private final boolean cacheable;
    /**
     * When OpenFlow's table 0 holds only the default {@code NORMAL} flow, the program has no
     * OpenFlow table (the ingress table goes straight on to the built-in ones, as before OpenFlow):
     * that flow's key, under which the frames the ingress table admitted are counted. Else null.
     */
    private final Object admittedKey;
    /** The VNIs of the VXLAN ports, for matches on tunnel_id; null when no flow needs them. */
    private final TunnelIds tunnels;

    FlowProgram(List<FlowTable> tables) {
        this(tables, null, null, null);
    }

    /** @param rank each table's place in the evaluation order (null: its number); gotos must raise it */
    FlowProgram(List<FlowTable> tables, int[] rank, Object admittedKey, TunnelIds tunnels) {
        this.tunnels = tunnels;
        this.tables = tables.toArray(FlowTable[]::new);
        this.admittedKey = admittedKey;
        int[] order = rank != null ? rank.clone() : java.util.stream.IntStream.range(0, this.tables.length).toArray();
        if (order.length != this.tables.length) {
            throw new IllegalArgumentException(order.length + " ranks for " + this.tables.length + " tables");
        }
        boolean keyed = true;
        int count = 0;
        for (int i = 0; i < this.tables.length; i++) {
            FlowTable t = this.tables[i];
            if (t.number() != i) {
                throw new IllegalArgumentException("table " + t.number() + " is at position " + i);
            }
            for (FlowEntry e : t.entries()) {
                for (Action a : e.actions()) {
                    if (a instanceof Actions.GotoTable g && (g.table() < 0 || g.table() >= this.tables.length
                            || order[g.table()] <= order[t.number()])) {
                        throw new IllegalArgumentException("flow in table " + t.number() + " goes to table " + g.table()
                                + "; goto_table must go forward to an existing table");
                    }
                }
                keyed &= !e.match().outsideCacheKey();
                count = Math.max(count, e.id() + 1);
            }
        }
        this.flowCount = count;
        this.cacheable = keyed;
    }

    /**
     * Whether every flow matches only fields of the exact-match cache's key. If one does not
     * (an OpenFlow flow on a field of {@link WideMatch}: eth_src, ip_proto, L4 ports, IPv6, ...), two frames with equal keys may translate
     * differently: the pipeline then translates every frame and never uses the cache.
     */
    public boolean cacheable() {
        return cacheable;
    }

    /**
     * Packets per OpenFlow flow (by {@link FlowEntry#counterKey()}) from {@code packets} (by flow
     * id); with no OpenFlow table in the program, the frames admitted count for the default flow.
     */
    public java.util.Map<Object, Long> controllerPackets(long[] packets) {
        java.util.Map<Object, Long> out = new java.util.HashMap<>();
        for (FlowTable t : tables) {
            for (FlowEntry e : t.entries()) {
                long n = e.id() < packets.length ? packets[e.id()] : 0;
                if (e.counterKey() != null) {
                    out.merge(e.counterKey(), n, Long::sum);
                } else if (admittedKey != null && t.number() == INGRESS_TABLE
                        && e.actions().stream().anyMatch(a -> a instanceof Actions.GotoTable)) {
                    out.merge(admittedKey, n, Long::sum);
                }
            }
        }
        return out;
    }

    /**
     * Translates {@code t}'s frame through the tables into its resolution, counting per table the
     * lookups and the matches into this thread's counters.
     */
    public void translate(Translation t, Counters tableLookups, Counters tableMatches) {
        Resolution result = t.result();
        if (tunnels != null) {
            t.tunnelId(tunnels.of(t.inPort(), t.vlan())); // the tag as received: no table has run yet
        }
        int table = INGRESS_TABLE;
        while (true) {
            tableLookups.increment(table);
            FlowEntry e = tables[table].lookup(t);
            if (e == null) {
                t.drop(tables[table].missReason());
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
