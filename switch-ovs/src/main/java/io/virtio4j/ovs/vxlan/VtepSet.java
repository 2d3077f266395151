package io.virtio4j.ovs.vxlan;

import java.util.ArrayList;
import java.util.List;

import io.virtio4j.ovs.model.Ipv4;

/**
 * A VXLAN port's VTEPs at one moment: immutable, so the data path reads one volatile per burst and
 * then an array; {@code ctl add-vtep}/{@code del-vtep} publish a new set. A VTEP that stays keeps
 * its {@link Vtep} (and counters, and slot) across sets; a new one takes the lowest free slot.
 */
public final class VtepSet {
    /** VTEPs one port may have: a head-end replication costs one datagram per VTEP. */
    public static final int MAX_VTEPS = 64;

    private final Vtep[] all;
    private final int[] addresses;
    private final Vtep[] bySlot = new Vtep[MAX_VTEPS];

    private VtepSet(List<Vtep> vteps) {
        this.all = vteps.toArray(Vtep[]::new);
        this.addresses = new int[all.length];
        for (int i = 0; i < all.length; i++) {
            addresses[i] = all[i].address();
            bySlot[all[i].slot()] = all[i];
        }
    }

    /** The set of {@code addresses}, reusing {@code previous}'s VTEP (and slot) for every address it had. */
    public static VtepSet of(List<Integer> addresses, VtepSet previous) {
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
        return new VtepSet(vteps);
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
