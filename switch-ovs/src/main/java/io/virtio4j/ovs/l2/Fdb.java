package io.virtio4j.ovs.l2;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import io.virtio4j.ovs.model.FdbSpec;

/**
 * The MAC learning table: (VLAN, MAC) to port, with the limits of an {@link FdbSpec}. Keys pack
 * the VLAN above the 48-bit MAC, so the same MAC in two VLANs is two unrelated entries (VLANs are
 * VPCs: nothing learned in one is visible in another). See {@link LearningTable} for the storage
 * and the thread-safety; as in OVS's mac-learning, a MAC seen on a new port moves there at once.
 */
public final class Fdb {
    /** What {@link #lookup} returns when the MAC is not known on the VLAN. */
    public static final int UNKNOWN = -1;

    private final LearningTable table;

    /** An empty table with {@code spec}'s size cap and ageing, its clock starting at {@code nowNanos}. */
    public Fdb(FdbSpec spec, long nowNanos) {
        this.table = new LearningTable(spec.maxEntries(), spec.ageing().toNanos(), nowNanos);
    }

    private static long key(int vlan, long mac) {
        return ((long) vlan << 48) | mac;
    }

    /** The port {@code mac} was last seen on in {@code vlan}, or {@link #UNKNOWN}. */
    public int lookup(int vlan, long mac, long nowNanos) {
        long port = table.lookup(key(vlan, mac), nowNanos);
        return port == LearningTable.MISSING ? UNKNOWN : (int) port;
    }

    /** Learns that {@code mac} (a unicast source) is behind {@code port} in {@code vlan}. */
    public LearningTable.Learned learn(int vlan, long mac, int port, long nowNanos) {
        return table.learn(key(vlan, mac), port, nowNanos);
    }

    /** Runs the ageing sweep if it is due (one volatile read otherwise); the pipeline calls it per frame. */
    public void maybeExpire(long nowNanos) {
        table.maybeExpire(nowNanos);
    }

    /** Removes aged entries now. */
    public int expire(long nowNanos) {
        return table.expire(nowNanos);
    }

    /** Forgets everything learned on {@code port} (the port went away). */
    public int flushPort(int port) {
        return table.removeValue(port);
    }

    /** Forgets everything. */
    public int flush() {
        return table.flush();
    }

    /** Bumped on every change that can alter a lookup; caches compare it to stay valid. */
    public long generation() {
        return table.generation();
    }

    /** The table's counters and size. */
    public LearningTable table() {
        return table;
    }

    /**
     * Every live entry, ordered by VLAN then MAC, with its age. A PMD may refresh an entry after
     * {@code nowNanos} was read: such an entry is 0 s old, not negative.
     */
    public List<FdbEntry> snapshot(long nowNanos) {
        List<FdbEntry> out = new ArrayList<>();
        table.forEach(nowNanos, (key, port, seen, isStatic) -> out.add(new FdbEntry((int) (key >>> 48),
                key & 0xffff_ffff_ffffL, (int) port, Duration.ofNanos(Math.max(0, nowNanos - seen)))));
        out.sort(Comparator.comparingInt(FdbEntry::vlan).thenComparingLong(FdbEntry::mac));
        return out;
    }
}
