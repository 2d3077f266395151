package io.virtio4j.ovs.vxlan;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import io.virtio4j.ovs.model.Ipv4;

/**
 * One remote VTEP of a VXLAN port: its underlay address, the slot the port's remote-MAC table
 * names it by, and its traffic. The receive counters have one writer (the PMD polling the port),
 * the transmit counters one at a time (transmit holds the port's lock); readers use opaque loads.
 */
public final class Vtep {
    private static final VarHandle RX_FRAMES = handle("rxFrames");
    private static final VarHandle RX_BYTES = handle("rxBytes");
    private static final VarHandle TX_FRAMES = handle("txFrames");
    private static final VarHandle TX_BYTES = handle("txBytes");

    private final int address;
    private final int slot;
    private long rxFrames;
    private long rxBytes;
    private long txFrames;
    private long txBytes;

    Vtep(int address, int slot) {
        this.address = address;
        this.slot = slot;
    }

    private static VarHandle handle(String field) {
        try {
            return MethodHandles.lookup().findVarHandle(Vtep.class, field, long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The VTEP's underlay IPv4 address, host order. */
    public int address() {
        return address;
    }

    /** The slot the port's remote-MAC table and socket addresses use for this VTEP. */
    public int slot() {
        return slot;
    }

    void received(long bytes) {
        RX_FRAMES.setOpaque(this, rxFrames + 1);
        RX_BYTES.setOpaque(this, rxBytes + bytes);
    }

    void sent(long frames, long bytes) {
        TX_FRAMES.setOpaque(this, txFrames + frames);
        TX_BYTES.setOpaque(this, txBytes + bytes);
    }

    /** Inner frames decapsulated from this VTEP. */
    public long rxFrames() {
        return (long) RX_FRAMES.getOpaque(this);
    }

    /** Their bytes (inner frames as they arrived, untagged). */
    public long rxBytes() {
        return (long) RX_BYTES.getOpaque(this);
    }

    /** Inner frames sent to this VTEP (each copy of a replicated flood counts). */
    public long txFrames() {
        return (long) TX_FRAMES.getOpaque(this);
    }

    /** Their bytes (inner frames, untagged; the kernel adds the outer headers). */
    public long txBytes() {
        return (long) TX_BYTES.getOpaque(this);
    }

    @Override
    public String toString() {
        return Ipv4.format(address) + " (slot " + slot + ")";
    }
}
