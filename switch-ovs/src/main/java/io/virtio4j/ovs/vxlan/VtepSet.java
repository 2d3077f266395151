package io.virtio4j.ovs.vxlan;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.VxlanSpec;
import io.virtio4j.ovs.packet.Ethernet;

/**
 * A VXLAN port's VTEPs at one moment: immutable, so the data path reads one volatile per burst and
 * then an array; {@code ctl add-vtep}/{@code del-vtep} publish a new set. A VTEP that stays keeps
 * its {@link Vtep} (and counters, and slot) across sets; a new one takes the lowest free slot.
 * Each VTEP carries the VLANs of the VNIs the config gives it ({@code remote = ADDRESS vni=...}),
 * or all of the port's: floods are replicated, and datagrams accepted, only for those.
 */
public final class VtepSet {
    /** VTEPs one port may have: a head-end replication costs one datagram per VTEP. */
    public static final int MAX_VTEPS = 64;

    private final Vtep[] all;
    private final int[] addresses;
    private final Vtep[] bySlot = new Vtep[MAX_VTEPS];
    /** Per slot, a bit per VLAN it carries (bit v of word v / 64); null where a VTEP carries all of the port's. */
    private final long[][] vlansBySlot = new long[MAX_VTEPS][];
    /** Per slot, the VNIs a limited VTEP carries (for tables and comparisons); null: all. */
    private final Set<Integer>[] vnisBySlot;

    @SuppressWarnings("unchecked")
    private VtepSet(List<Vtep> vteps, VxlanSpec spec) {
        this.all = vteps.toArray(Vtep[]::new);
        this.addresses = new int[all.length];
        this.vnisBySlot = new Set[MAX_VTEPS];
        Map<Integer, Integer> vlanOfVni = new HashMap<>();
        spec.vniByVlan().forEach((vlan, vni) -> vlanOfVni.put(vni, vlan));
        for (int i = 0; i < all.length; i++) {
            addresses[i] = all[i].address();
            int slot = all[i].slot();
            bySlot[slot] = all[i];
            Set<Integer> limit = spec.remoteVnis().get(all[i].address());
            if (limit != null) {
                vnisBySlot[slot] = limit;
                long[] bits = new long[(Ethernet.VLAN_ID_MASK + 1) / Long.SIZE];
                for (int vni : limit) {
                    int vlan = vlanOfVni.get(vni);
                    bits[vlan >>> 6] |= 1L << vlan;
                }
                vlansBySlot[slot] = bits;
            }
        }
    }

    /**
     * The VTEPs of {@code spec} (its remotes, each with its VNIs), reusing {@code previous}'s VTEP
     * (and slot) for every address it had.
     */
    public static VtepSet of(VxlanSpec spec, VtepSet previous) {
        List<Integer> addresses = spec.remotes();
        if (addresses.size() > MAX_VTEPS) {
            throw new IllegalArgumentException("at most " + MAX_VTEPS + " VTEPs per port, not " + addresses.size());
        }
        List<Vtep> vteps = new ArrayList<>();
        boolean[] taken = new boolean[MAX_VTEPS];
        for (int address : addresses) {
            Vtep kept = previous == null ? null : previous.find(address);
            if (kept != null) {
                taken[kept.slot()] = true;
            }
        }
        int nextFree = 0;
        for (int address : addresses) {
            Vtep kept = previous == null ? null : previous.find(address);
            if (kept == null) {
                while (taken[nextFree]) {
                    nextFree++;
                }
                taken[nextFree] = true;
                kept = new Vtep(address, nextFree);
            }
            vteps.add(kept);
        }
        return new VtepSet(vteps, spec);
    }

    /**
     * Whether {@code vtep} (one of this set's) carries {@code vlan}, i.e. its VNI: a flood of the
     * VLAN is replicated to it, a datagram of the VNI from it accepted. No allocation.
     */
    public boolean carries(Vtep vtep, int vlan) {
        long[] bits = vlansBySlot[vtep.slot()];
        // In bounds: vlan is a 12-bit VLAN ID (the port's frames are tagged with one, VniMap returns one).
        return bits == null || (bits[(vlan & Ethernet.VLAN_ID_MASK) >>> 6] & (1L << vlan)) != 0;
    }

    /** The VNIs {@code vtep} is limited to, or null when it carries every VNI of the port. */
    public Set<Integer> limit(Vtep vtep) {
        return vnisBySlot[vtep.slot()];
    }

    /** The VTEP at {@code address}, or null: a linear scan of at most {@link #MAX_VTEPS} ints, no allocation. */
    public Vtep find(int address) {
        for (int i = 0; i < addresses.length; i++) {
            if (addresses[i] == address) {
                return all[i];
            }
        }
        return null;
    }

    /** The VTEP in {@code slot}, or null when the slot is free (its VTEP was removed). */
    public Vtep bySlot(int slot) {
        return slot >= 0 && slot < MAX_VTEPS ? bySlot[slot] : null;
    }

    /** How many VTEPs. */
    public int size() {
        return all.length;
    }

    /** VTEP {@code i} in configuration order. */
    public Vtep get(int i) {
        return all[i];
    }

    /** The addresses in configuration order. */
    public List<Integer> addresses() {
        List<Integer> out = new ArrayList<>(all.length);
        for (int a : addresses) {
            out.add(a);
        }
        return out;
    }

    @Override
    public String toString() {
        return addresses().stream().map(Ipv4::format).toList().toString();
    }
}
