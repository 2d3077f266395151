package io.virtio4j.ovs.l3;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import io.virtio4j.ovs.l2.LearningTable;
import io.virtio4j.ovs.model.NeighbourSpec;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.packet.Ethernet;

/**
 * IPv4 address to MAC per VLAN: the static {@link NeighbourSpec}s plus what the switch learns from
 * the sender fields of ARP requests and replies it sees (the seed's "MAC-rewrite table"). Learned
 * entries age like FDB entries and share its size cap; a learned entry never replaces a static one.
 * Thread-safe (see {@link LearningTable}).
 */
public final class NeighbourTable {
    /** What {@link #lookup} returns for an unknown neighbour. */
    public static final long UNKNOWN = LearningTable.MISSING;

    private final LearningTable table;

    /** A table holding {@code spec}'s static neighbours, learning with the FDB's size cap and ageing. */
    public NeighbourTable(SwitchSpec spec, long nowNanos) {
        this.table = new LearningTable(spec.fdb().maxEntries() + spec.neighbours().size(),
                spec.fdb().ageing().toNanos(), nowNanos);
        for (NeighbourSpec n : spec.neighbours()) {
            table.putStatic(key(n.vlan(), n.ip()), n.mac());
        }
    }

    private static long key(int vlan, int ip) {
        return ((long) vlan << 32) | (ip & 0xffff_ffffL);
    }

    /** The MAC of {@code ip} on {@code vlan}, or {@link #UNKNOWN}. */
    public long lookup(int vlan, int ip, long nowNanos) {
        return table.lookup(key(vlan, ip), nowNanos);
    }

    /**
     * Learns {@code ip} at {@code mac} on {@code vlan}; the caller has checked the address belongs
     * to the VLAN's subnet. Refuses multicast and zero MACs (a hostile ARP cannot make the switch
     * send unicast-routed traffic to a group address).
     */
    public LearningTable.Learned learn(int vlan, int ip, long mac, long nowNanos) {
        if (mac == 0 || Ethernet.isMulticast(mac)) {
            return LearningTable.Learned.REFUSED;
        }
        return table.learn(key(vlan, ip), mac, nowNanos);
    }

    /**
     * Keeps a learned entry alive when its host is seen sending IPv4 from the MAC the table holds
     * (as Linux confirms a neighbour's reachability from traffic); never adds or changes one, so
     * spoofed traffic cannot teach the table anything.
     */
    public boolean refresh(int vlan, int ip, long mac, long nowNanos) {
        return table.refresh(key(vlan, ip), mac, nowNanos);
    }

    /** Drops learned entries not seen within the ageing time (cheap when nothing is due). */
    public void maybeExpire(long nowNanos) {
        table.maybeExpire(nowNanos);
    }

    /** Bumped on every change that can alter a lookup. */
    public long generation() {
        return table.generation();
    }

    /** The underlying table, for the control interface's listing. */
    public LearningTable table() {
        return table;
    }

    /** Every live entry, by VLAN then IP. */
    public List<NeighbourEntry> snapshot(long nowNanos) {
        List<NeighbourEntry> out = new ArrayList<>();
        table.forEach(nowNanos, (key, mac, seen, isStatic) ->
                out.add(new NeighbourEntry((int) (key >>> 32), (int) key, mac, isStatic)));
        out.sort(Comparator.comparingInt(NeighbourEntry::vlan)
                .thenComparingLong(e -> e.ip() & 0xffff_ffffL));
        return out;
    }
}
