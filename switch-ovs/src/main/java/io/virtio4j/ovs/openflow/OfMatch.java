package io.virtio4j.ovs.openflow;

import java.util.Arrays;

/**
 * A decoded {@code struct ofp_match} (OXM, section 7.2.2): which OpenFlow-basic fields it sets, each
 * with its value and mask bytes. Decoding checks the structure completely: the match type, its
 * length against the message, each TLV's length against the field's size (doubled with a mask),
 * unknown fields and fields given twice, and the padding to 8 bytes. Semantic checks (prerequisites)
 * belong to whoever turns the match into a flow.
 */
final class OfMatch {
    /** Field sizes by OXM field number (OFPXMT_OFB_*), 0..39; -1 where the spec defines none. */
    private static final int[] FIELD_BYTES = {
        4, 4, 8, 6, 6, 2, 2, 1, 1, 1, 1, 4, 4, 2, 2, 2, 2, 2, 2, 1, 1, 2, 4, 4, 6, 6, 16, 16, 4, 1, 1, 16, 6, 6,
        4, 1, 1, 3, 8, 2,
    };
    static final int FIELDS = FIELD_BYTES.length;
    static final int IN_PORT = 0;
    static final int METADATA = 2;
    static final int ETH_DST = 3;
    static final int ETH_SRC = 4;
    static final int ETH_TYPE = 5;
    static final int VLAN_VID = 6;
    static final int VLAN_PCP = 7;
    static final int IP_PROTO = 10;
    static final int IPV4_SRC = 11;
    static final int IPV4_DST = 12;
    static final int TCP_SRC = 13;
    static final int TCP_DST = 14;
    static final int UDP_SRC = 15;
    static final int UDP_DST = 16;
    static final int SCTP_SRC = 17;
    static final int SCTP_DST = 18;
    static final int ICMPV4_TYPE = 19;
    static final int ICMPV4_CODE = 20;
    static final int ARP_OP = 21;
    static final int ARP_SPA = 22;
    static final int ARP_TPA = 23;
    static final int IPV6_SRC = 26;
    static final int IPV6_DST = 27;
    static final int IPV6_FLABEL = 28;
    static final int ICMPV6_TYPE = 29;
    static final int ICMPV6_CODE = 30;
    static final int TUNNEL_ID = 38;

    private final byte[][] values = new byte[FIELDS][];
    private final byte[][] masks = new byte[FIELDS][];

    private OfMatch() {
    }

    /** The empty match (every frame), as {@link #encode} writes it. */
    static OfMatch any() {
        return new OfMatch();
    }

    /**
     * Reads a match at {@code r}'s position, its padding included.
     *
     * @throws OfDecodeException BAD_MATCH or BAD_REQUEST/BAD_LEN, with what is wrong
     */
    static OfMatch decode(OfReader r) {
        int start = r.position();
        int type = r.u16("ofp_match.type");
        int length = r.u16("ofp_match.length");
        if (type != OfProtocol.MATCH_TYPE_OXM) {
            throw new OfDecodeException(OfProtocol.ET_BAD_MATCH, OfProtocol.BMC_BAD_TYPE, "match type " + type + " is not OXM (1)");
        }
        if (length < 4) {
            throw new OfDecodeException(OfProtocol.ET_BAD_MATCH, OfProtocol.BMC_BAD_LEN, "match length " + length + " < 4");
        }
        OfReader fields = r.sub(length - 4, "ofp_match", OfProtocol.ET_BAD_MATCH, OfProtocol.BMC_BAD_LEN);
        r.skip((length + 7) / 8 * 8 - length, "ofp_match padding");
        OfMatch m = new OfMatch();
        while (fields.remaining() > 0) {
            int oxmClass = fields.u16("oxm class");
            int fieldAndMask = fields.u8("oxm field");
            int bytes = fields.u8("oxm length");
            int field = fieldAndMask >>> 1;
            boolean hasMask = (fieldAndMask & 1) != 0;
            if (oxmClass != OfProtocol.OXM_CLASS_OPENFLOW_BASIC || field >= FIELDS) {
                throw new OfDecodeException(OfProtocol.ET_BAD_MATCH, OfProtocol.BMC_BAD_FIELD,
                        String.format("OXM class 0x%04x field %d is not supported", oxmClass, field));
            }
            int size = FIELD_BYTES[field];
            if (bytes != (hasMask ? 2 * size : size)) {
                throw new OfDecodeException(OfProtocol.ET_BAD_MATCH, OfProtocol.BMC_BAD_LEN,
                        "OXM field " + field + " has " + bytes + " bytes, not " + (hasMask ? 2 * size : size));
            }
            if (m.values[field] != null) {
                throw new OfDecodeException(OfProtocol.ET_BAD_MATCH, OfProtocol.BMC_DUP_FIELD, "OXM field " + field + " twice");
            }
            m.values[field] = read(fields, size);
            m.masks[field] = hasMask ? read(fields, size) : null;
        }
        if (r.position() - start != (length + 7) / 8 * 8) {
            throw new IllegalStateException("match decoder lost its place"); // a bug here, not the peer's
        }
        return m;
    }

    private static byte[] read(OfReader r, int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) r.u8("oxm value");
        }
        return b;
    }

    /** Whether field {@code field} (OFPXMT_OFB_*) is set. */
    boolean has(int field) {
        return values[field] != null;
    }

    /** The field's value as an unsigned number (fields up to 8 bytes). */
    long value(int field) {
        return number(values[field]);
    }

    /**
     * Eight bytes of a 16-byte field (IPv6 addresses) as a number: the first ({@code half} 0) or
     * the second, of its value or ({@code mask}) its mask, all ones when it has none.
     */
    long half(int field, boolean mask, int half) {
        byte[] b = mask ? masks[field] : values[field];
        if (b == null) {
            return -1L;
        }
        return number(Arrays.copyOfRange(b, 8 * half, 8 * half + 8));
    }

    /** The field's mask, or all ones when it has none. */
    long mask(int field) {
        return masks[field] == null ? -1L >>> (64 - 8 * values[field].length) : number(masks[field]);
    }

    boolean hasMask(int field) {
        return masks[field] != null;
    }

    private static long number(byte[] b) {
        long v = 0;
        for (byte x : b) {
            v = v << 8 | (x & 0xff);
        }
        return v;
    }

    /** Whether no field is set (the match of every frame). */
    boolean isEmpty() {
        for (byte[] v : values) {
            if (v != null) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether every frame this match admits is admitted by {@code wider} (OpenFlow's non-strict
     * match of MODIFY, DELETE and the flow statistics): each field {@code wider} sets is set here,
     * under a mask at least as narrow, to a value {@code wider}'s agrees with under its mask.
     */
    boolean within(OfMatch wider) {
        for (int f = 0; f < FIELDS; f++) {
            if (wider.values[f] == null) {
                continue;
            }
            if (values[f] == null) {
                return false;
            }
            for (int i = 0; i < values[f].length; i++) {
                int outer = wider.masks[f] == null ? 0xff : wider.masks[f][i] & 0xff;
                int inner = masks[f] == null ? 0xff : masks[f][i] & 0xff;
                if ((inner & outer) != outer || ((values[f][i] ^ wider.values[f][i]) & outer) != 0) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Writes this match, padded to 8 bytes. */
    void encode(OfWriter w) {
        int start = w.length();
        w.u16(OfProtocol.MATCH_TYPE_OXM).u16(0);
        for (int f = 0; f < FIELDS; f++) {
            if (values[f] != null) {
                w.u16(OfProtocol.OXM_CLASS_OPENFLOW_BASIC).u8(f << 1 | (masks[f] != null ? 1 : 0))
                        .u8(masks[f] != null ? 2 * values[f].length : values[f].length);
                for (byte b : values[f]) {
                    w.u8(b);
                }
                if (masks[f] != null) {
                    for (byte b : masks[f]) {
                        w.u8(b);
                    }
                }
            }
        }
        int length = w.length() - start;
        w.patch16(start + 2, length);
        w.zeros((length + 7) / 8 * 8 - length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OfMatch m && Arrays.deepEquals(values, m.values) && Arrays.deepEquals(masks, m.masks);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(values) * 31 + Arrays.deepHashCode(masks);
    }
}
