package io.virtio4j.ovs.openflow;

import io.virtio4j.ovs.flow.Actions;
import io.virtio4j.ovs.flow.Match;
import io.virtio4j.ovs.flow.RuleAction;
import io.virtio4j.ovs.packet.Ethernet;

/**
 * Decodes {@code ofp_action_set_field} (section 7.2.5.7): one unmasked OXM, padded to 8 bytes.
 * Served: eth_src, eth_dst, vlan_vid (OFPVID_PRESENT | a VLAN 1..4094, as section 7.2.3.8 and OVS
 * want it: the frame's VLAN from there on; without the bit it is refused, as OVS refuses it, rather
 * than kept in a flow that dump-flows would hand back undecodable), vlan_pcp (0..7), ipv4_src and ipv4_dst (checksums updated by the executor;
 * the flow must match eth_type=0x0800, else MATCH_INCONSISTENT). Anything else is BAD_SET_TYPE (tunnel_id among them:
 * a VXLAN port sends a VLAN by the VNI its config maps it to, so a VNI is chosen by setting the
 * VLAN), a mask BAD_SET_ARGUMENT, a wrong length or padding BAD_SET_LEN.
 */
final class OfSetField {
    private static final int OXM_HEADER_BYTES = 4;
    private static final int ACTION_HEADER_BYTES = 4;
    private static final int OFPVID_PRESENT = 0x1000;

    private OfSetField() {
    }

    /** Reads the OXM and its padding from {@code body} (the action past its type and length); {@code match} is the flow's. */
    static RuleAction decode(OfReader body, Match match) {
        int oxmClass = body.u16("set_field oxm class");
        int fieldAndMask = body.u8("set_field oxm field");
        int bytes = body.u8("set_field oxm length");
        int field = fieldAndMask >>> 1;
        int size = oxmClass != OfProtocol.OXM_CLASS_OPENFLOW_BASIC ? -1 : switch (field) {
            case OfMatch.ETH_DST, OfMatch.ETH_SRC -> 6;
            case OfMatch.VLAN_VID -> 2;
            case OfMatch.VLAN_PCP -> 1;
            case OfMatch.IPV4_SRC, OfMatch.IPV4_DST -> 4;
            default -> -1;
        };
        if (size < 0) {
            throw badAction(OfProtocol.BAC_BAD_SET_TYPE, String.format("set_field of OXM class 0x%04x field %d is not"
                    + " supported (eth_src, eth_dst, vlan_vid, vlan_pcp, ipv4_src, ipv4_dst)", oxmClass, field));
        }
        if ((fieldAndMask & 1) != 0) {
            throw badAction(OfProtocol.BAC_BAD_SET_ARGUMENT, "set_field cannot carry a mask");
        }
        if (bytes != size) {
            throw badAction(OfProtocol.BAC_BAD_SET_LEN, "set_field of OXM field " + field + " with " + bytes + " bytes, not " + size);
        }
        long value = 0;
        for (int i = 0; i < size; i++) {
            value = value << 8 | body.u8("set_field value");
        }
        int used = ACTION_HEADER_BYTES + OXM_HEADER_BYTES + size;
        int padding = body.remaining();
        if (padding != (used + 7) / 8 * 8 - used) {
            throw badAction(OfProtocol.BAC_BAD_SET_LEN, "set_field action has " + padding + " bytes of padding");
        }
        for (int i = 0; i < padding; i++) {
            if (body.u8("set_field pad") != 0) {
                throw badAction(OfProtocol.BAC_BAD_SET_ARGUMENT, "set_field padding is not zero");
            }
        }
        boolean ipv4 = field == OfMatch.IPV4_SRC || field == OfMatch.IPV4_DST;
        if (ipv4 && match.ethType() != Ethernet.TYPE_IPV4) {
            throw badAction(OfProtocol.BAC_MATCH_INCONSISTENT, "set_field of an IPv4 address needs a match on eth_type=0x0800");
        }
        return new RuleAction.Apply(switch (field) {
            case OfMatch.ETH_DST -> new Actions.SetEthDst(value);
            case OfMatch.ETH_SRC -> new Actions.SetEthSrc(value);
            case OfMatch.VLAN_VID -> new Actions.SetVlan(vid(value));
            case OfMatch.IPV4_SRC, OfMatch.IPV4_DST -> new Actions.SetIpv4(field == OfMatch.IPV4_SRC, (int) value);
            default -> new Actions.SetVlanPcp(pcp(value));
        });
    }

    private static int vid(long value) {
        if ((value & OFPVID_PRESENT) == 0) {
            throw badAction(OfProtocol.BAC_BAD_SET_ARGUMENT, String.format("set_field vlan_vid 0x%04x lacks OFPVID_PRESENT"
                    + " (0x1000): write 0x1000 | VID, e.g. ovs-ofctl's set_field:%d->vlan_vid for VLAN %d", value,
                    OFPVID_PRESENT | (value & 0xfff), value & 0xfff));
        }
        int id = (int) (value & ~OFPVID_PRESENT);
        if (id < 1 || id > 4094) {
            throw badAction(OfProtocol.BAC_BAD_SET_ARGUMENT, "set_field vlan_vid " + id + " is not a VLAN (1..4094)");
        }
        return id;
    }

    private static int pcp(long value) {
        if (value > 7) {
            throw badAction(OfProtocol.BAC_BAD_SET_ARGUMENT, "set_field vlan_pcp " + value + " is not 0..7");
        }
        return (int) value;
    }

    static OfDecodeException badAction(int code, String why) {
        return new OfDecodeException(OfProtocol.ET_BAD_ACTION, code, why);
    }
}
