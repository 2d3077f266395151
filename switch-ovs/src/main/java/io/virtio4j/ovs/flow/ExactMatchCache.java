package io.virtio4j.ovs.flow;

import java.util.Arrays;

import io.virtio4j.ovs.packet.ParsedFrame;

/**
 * The exact-match cache in front of the flow tables, as in OVS's dpif-netdev (its EMC): per PMD
 * thread, so no locking; a power-of-two array of entries where a key may sit in one of two slots
 * taken from two segments of its hash; the value is the {@link Resolution} the tables produced.
 *
 * <p>Key: (in_port, VLAN tag as received, eth_dst, EtherType, nw_dst): every field any table
 * matches on, so equal keys translate alike as long as the FDB and the neighbour table have not
 * changed. Each entry remembers their generations when it was made; an entry whose generations
 * are not the current ones is a miss (a station move, a newly learned MAC or neighbour, an aged
 * entry swept away: all invalidate at once, which is coarse but never serves a stale decision).
 * Keys and generations live in primitive arrays; the values are preallocated.
 */
public final class ExactMatchCache {
    /** OVS's EM_FLOW_HASH_ENTRIES. */
    public static final int DEFAULT_ENTRIES = 8192;

    private final int mask;
    private final int segmentShift;
    private final int[] inPorts;
    private final int[] vlans;
    private final long[] ethDsts;
    private final int[] ethTypes;
    private final int[] nwDsts;
    private final long[] fdbGenerations;
    private final long[] neighbourGenerations;
    private final Resolution[] values;
    private long insertions;

    /** @param entries a power of two, at least 2 */
    public ExactMatchCache(int entries) {
        checkEntries(entries);
        mask = entries - 1;
        segmentShift = Integer.numberOfTrailingZeros(entries);
        inPorts = new int[entries];
        Arrays.fill(inPorts, -1);
        vlans = new int[entries];
        ethDsts = new long[entries];
        ethTypes = new int[entries];
        nwDsts = new int[entries];
        fdbGenerations = new long[entries];
        neighbourGenerations = new long[entries];
        values = new Resolution[entries];
        for (int i = 0; i < entries; i++) {
            values[i] = new Resolution();
        }
    }

    /** Throws unless {@code entries} is a usable cache size (a power of two, at least 2). */
    public static void checkEntries(int entries) {
        if (entries < 2 || Integer.bitCount(entries) != 1) {
            throw new IllegalArgumentException("EMC entries must be a power of two >= 2: " + entries);
        }
    }

    private static int hash(int inPort, ParsedFrame f) {
        long h = f.ethDestination() * 0x9E37_79B9_7F4A_7C15L;
        h ^= ((long) inPort << 48) ^ ((long) f.vlan() << 32) ^ ((long) f.ethType() << 16);
        h ^= (f.networkDestination() & 0xffff_ffffL) * 0xC2B2_AE3D_27D4_EB4FL;
        h ^= h >>> 29;
        h *= 0xBF58_476D_1CE4_E5B9L;
        return (int) (h ^ (h >>> 32));
    }

    private boolean keyAt(int slot, int inPort, ParsedFrame f) {
        return inPorts[slot] == inPort && vlans[slot] == f.vlan() && ethDsts[slot] == f.ethDestination()
                && ethTypes[slot] == f.ethType() && nwDsts[slot] == f.networkDestination();
    }

    private boolean current(int slot, long fdbGeneration, long neighbourGeneration) {
        return fdbGenerations[slot] == fdbGeneration && neighbourGenerations[slot] == neighbourGeneration;
    }

    /**
     * Copies the cached resolution for this frame into {@code out} and returns true, or returns
     * false (a miss: absent, or made under other generations).
     */
    public boolean lookup(int inPort, ParsedFrame f, long fdbGeneration, long neighbourGeneration, Resolution out) {
        int h = hash(inPort, f);
        int a = h & mask;
        int b = (h >>> segmentShift) & mask;
        int slot = keyAt(a, inPort, f) ? a : keyAt(b, inPort, f) ? b : -1;
        if (slot < 0 || !current(slot, fdbGeneration, neighbourGeneration)) {
            return false;
        }
        out.copyFrom(values[slot]);
        return true;
    }

    /**
     * Caches {@code resolution} for this frame's key: in the slot already holding the key, else
     * an empty or outdated one of the two, else it replaces one of them (alternating, so two hot
     * keys sharing a slot pair both get a turn).
     */
    public void insert(int inPort, ParsedFrame f, long fdbGeneration, long neighbourGeneration, Resolution resolution) {
        int h = hash(inPort, f);
        int a = h & mask;
        int b = (h >>> segmentShift) & mask;
        int slot;
        if (keyAt(a, inPort, f) || inPorts[a] < 0 || !current(a, fdbGeneration, neighbourGeneration)) {
            slot = a;
        } else if (keyAt(b, inPort, f) || inPorts[b] < 0 || !current(b, fdbGeneration, neighbourGeneration)) {
            slot = b;
        } else {
            slot = (insertions & 1) == 0 ? a : b;
        }
        insertions++;
        inPorts[slot] = inPort;
        vlans[slot] = f.vlan();
        ethDsts[slot] = f.ethDestination();
        ethTypes[slot] = f.ethType();
        nwDsts[slot] = f.networkDestination();
        fdbGenerations[slot] = fdbGeneration;
        neighbourGenerations[slot] = neighbourGeneration;
        values[slot].copyFrom(resolution);
    }

    /** Empties the cache. */
    public void clear() {
        Arrays.fill(inPorts, -1);
    }
}
