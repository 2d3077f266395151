package io.virtio4j.ovs.vxlan;

import java.lang.foreign.MemorySegment;

import io.virtio4j.ovs.packet.Ethernet;
import io.virtio4j.ovs.packet.NetworkOrder;

/**
 * The 8-byte VXLAN header (RFC 7348 section 5): flags (I = 0x08), 24 reserved bits, the 24-bit VNI,
 * 8 reserved bits. Decoding validates a whole datagram's payload before anything trusts it.
 */
public final class VxlanHeader {
    /** Bytes of the header. */
    public static final int SIZE = 8;
    /** The I flag: the VNI is valid. The only flag we send or accept, as Linux's vxlan driver. */
    public static final int FLAG_VNI = 0x08;
    /** The shortest payload worth decoding: header plus an inner Ethernet header. */
    public static final int MIN_PAYLOAD = SIZE + Ethernet.HEADER_LENGTH;

    private VxlanHeader() {
    }

    /** Writes a header for {@code vni} at {@code offset} (reserved bits zero). */
    public static void write(MemorySegment s, long offset, int vni) {
        // In bounds: the caller reserved SIZE bytes at offset; the accessors check it again.
        NetworkOrder.putU32(s, offset, FLAG_VNI << 24);
        NetworkOrder.putU32(s, offset + 4, vni << 8);
    }

    /**
     * Checks a datagram's payload of {@code length} bytes at {@code offset} of {@code s} (at most
     * {@code s.byteSize() - offset}): returns the VNI ({@code >= 1}), or the negated ordinal plus one
     * of the {@link VxlanDrop} that refuses it ({@link #drop}). Reserved bits are ignored on receipt
     * as RFC 7348 asks; the flags byte must be exactly 0x08 (the I flag and no flag we do not implement).
     * The VNI's mapping and the sender are the caller's checks.
     */
    public static int decode(MemorySegment s, long offset, int length) {
        if (length < MIN_PAYLOAD) {
            return code(VxlanDrop.TRUNCATED);
        }
        // In bounds: length >= MIN_PAYLOAD, so the header's 8 bytes and the inner Ethernet header are in the payload.
        if (NetworkOrder.u8(s, offset) != FLAG_VNI) {
            return code(VxlanDrop.BAD_FLAGS);
        }
        int vni = NetworkOrder.u32(s, offset + 4) >>> 8;
        if (vni == 0) {
            return code(VxlanDrop.VNI_ZERO);
        }
        int type = NetworkOrder.u16(s, offset + SIZE + Ethernet.TYPE);
        if (type == Ethernet.TYPE_VLAN || type == Ethernet.TYPE_QINQ) {
            return code(VxlanDrop.INNER_TAGGED);
        }
        return vni;
    }

    private static int code(VxlanDrop drop) {
        return -(drop.ordinal() + 1);
    }

    /** The drop a negative {@link #decode} result stands for. */
    public static VxlanDrop drop(int decoded) {
        if (decoded >= 0) {
            throw new IllegalArgumentException("VNI " + decoded + " is not a refusal");
        }
        return VxlanDrop.values()[-decoded - 1];
    }
}
