package io.virtio4j.ovs.openflow;

import io.virtio4j.ovs.flow.ControllerFlows;

/**
 * The properties of one table's TABLE_FEATURES entry (section 7.3.5.5.2), saying what FLOW_MOD
 * can install there: the eight OVS requires (instructions, next tables, write and apply actions,
 * match, wildcards, write and apply set-field), each padded to 8 bytes.
 */
final class TableFeatures {
    private static final int INSTRUCTIONS = 0;
    private static final int NEXT_TABLES = 2;
    private static final int WRITE_ACTIONS = 4;
    private static final int APPLY_ACTIONS = 6;
    private static final int MATCH = 8;
    private static final int WILDCARDS = 10;
    private static final int WRITE_SETFIELD = 12;
    private static final int APPLY_SETFIELD = 14;

    /** The match fields (OFPXMT_OFB_*), their sizes, and whether a mask is accepted. */
    private static final int[][] FIELDS = {
        {OfMatch.IN_PORT, 4, 0}, {OfMatch.METADATA, 8, 1}, {OfMatch.ETH_DST, 6, 1}, {OfMatch.ETH_SRC, 6, 1},
        {OfMatch.ETH_TYPE, 2, 0}, {OfMatch.VLAN_VID, 2, 1}, {OfMatch.VLAN_PCP, 1, 0}, {OfMatch.IP_PROTO, 1, 0},
        {OfMatch.IPV4_SRC, 4, 1}, {OfMatch.IPV4_DST, 4, 1}, {OfMatch.TCP_SRC, 2, 0}, {OfMatch.TCP_DST, 2, 0},
        {OfMatch.UDP_SRC, 2, 0}, {OfMatch.UDP_DST, 2, 0}, {OfMatch.SCTP_SRC, 2, 0}, {OfMatch.SCTP_DST, 2, 0},
        {OfMatch.ICMPV4_TYPE, 1, 0}, {OfMatch.ICMPV4_CODE, 1, 0}, {OfMatch.ARP_OP, 2, 0}, {OfMatch.ARP_SPA, 4, 1},
        {OfMatch.ARP_TPA, 4, 1}, {OfMatch.IPV6_SRC, 16, 1}, {OfMatch.IPV6_DST, 16, 1}, {OfMatch.ICMPV6_TYPE, 1, 0},
        {OfMatch.ICMPV6_CODE, 1, 0}, {OfMatch.TUNNEL_ID, 8, 0},
    };
    private static final int[][] SET_FIELDS = {
        {OfMatch.ETH_DST, 6, 0}, {OfMatch.ETH_SRC, 6, 0}, {OfMatch.VLAN_VID, 2, 0}, {OfMatch.VLAN_PCP, 1, 0},
        {OfMatch.IPV4_SRC, 4, 0}, {OfMatch.IPV4_DST, 4, 0},
    };

    private TableFeatures() {
    }

    /** Writes table {@code table}'s properties. */
    static void write(OfWriter w, int table) {
        boolean last = table == ControllerFlows.TABLES - 1;
        int[] instructions = last
                ? new int[] {OfProtocol.IT_WRITE_METADATA, OfProtocol.IT_APPLY_ACTIONS, OfProtocol.IT_CLEAR_ACTIONS}
                : new int[] {OfProtocol.IT_GOTO_TABLE, OfProtocol.IT_WRITE_METADATA, OfProtocol.IT_APPLY_ACTIONS,
                    OfProtocol.IT_CLEAR_ACTIONS};
        property(w, INSTRUCTIONS, instructions.length * 4);
        for (int type : instructions) {
            w.u16(type).u16(4);
        }
        pad(w, instructions.length * 4);
        int next = ControllerFlows.TABLES - 1 - table;
        property(w, NEXT_TABLES, next);
        for (int t = table + 1; t < ControllerFlows.TABLES; t++) {
            w.u8(t);
        }
        pad(w, next);
        empty(w, WRITE_ACTIONS);
        int[] actions = {OfProtocol.AT_OUTPUT, OfProtocol.AT_PUSH_VLAN, OfProtocol.AT_POP_VLAN, OfProtocol.AT_DEC_NW_TTL,
            OfProtocol.AT_SET_FIELD};
        property(w, APPLY_ACTIONS, actions.length * 4);
        for (int type : actions) {
            w.u16(type).u16(4);
        }
        pad(w, actions.length * 4);
        oxms(w, MATCH, FIELDS, true);
        oxms(w, WILDCARDS, FIELDS, false); // OVS refuses masked ids here: a field that may be left out is listed plain
        empty(w, WRITE_SETFIELD);
        oxms(w, APPLY_SETFIELD, SET_FIELDS, false);
    }

    private static void oxms(OfWriter w, int type, int[][] fields, boolean masks) {
        property(w, type, fields.length * 4);
        for (int[] f : fields) {
            boolean mask = masks && f[2] == 1;
            w.u16(OfProtocol.OXM_CLASS_OPENFLOW_BASIC).u8(f[0] << 1 | (mask ? 1 : 0)).u8(mask ? 2 * f[1] : f[1]);
        }
        pad(w, fields.length * 4);
    }

    private static void empty(OfWriter w, int type) {
        property(w, type, 0);
        pad(w, 0);
    }

    /** A property's header: its length counts the header and the content, not the padding. */
    private static void property(OfWriter w, int type, int contentBytes) {
        w.u16(type).u16(4 + contentBytes);
    }

    private static void pad(OfWriter w, int contentBytes) {
        int length = 4 + contentBytes;
        w.zeros((length + 7) / 8 * 8 - length);
    }
}
