package io.virtio4j.ovs.openflow;

import io.virtio4j.ovs.flow.ControllerFlows;
import io.virtio4j.ovs.flow.Match;
import io.virtio4j.ovs.model.Ipv4Prefix;
import io.virtio4j.ovs.packet.Ethernet;

/**
 * Turns a decoded OXM match into the data path's {@link Match}: in_port, eth_dst, eth_src (both
 * under any mask), eth_type, vlan_vid, ip_proto, ipv4_src and ipv4_dst (under CIDR masks). Any
 * other field is BAD_MATCH/BAD_FIELD, never ignored (a flow matching less than it says would
 * catch frames it should not); prerequisites (section 7.2.3.8) are BAD_PREREQ.
 *
 * <p>vlan_vid matches the VLAN the ingress port admitted the frame to (OpenFlow's tables run
 * after admission): {@code vlan_vid=V} (OFPVID_PRESENT|V) that VLAN, {@code OFPVID_PRESENT/OFPVID_PRESENT}
 * any; {@code OFPVID_NONE} is refused (BAD_VALUE), since no admitted frame is without a VLAN.
 */
final class OfMatchCompiler {
    private static final int OFPVID_PRESENT = 0x1000;

    /** A compiled match: in_port as an OpenFlow port number (or open) and the rest. */
    record Compiled(long inPort, Match match) {
    }

    private OfMatchCompiler() {
    }

    static Compiled compile(OfMatch m) {
        for (int f = 0; f < OfMatch.FIELDS; f++) {
            if (m.has(f) && f != OfMatch.IN_PORT && f != OfMatch.ETH_DST && f != OfMatch.ETH_SRC && f != OfMatch.ETH_TYPE
                    && f != OfMatch.VLAN_VID && f != OfMatch.IP_PROTO && f != OfMatch.IPV4_SRC && f != OfMatch.IPV4_DST) {
                throw badMatch(OfProtocol.BMC_BAD_FIELD, "OXM field " + f + " cannot be matched by this switch");
            }
        }
        Match match = Match.all();
        long inPort = ControllerFlows.Rule.ANY_PORT;
        if (m.has(OfMatch.IN_PORT)) {
            unmasked(m, OfMatch.IN_PORT, "in_port");
            inPort = m.value(OfMatch.IN_PORT);
            if (inPort == 0 || inPort > OfProtocol.PORT_MAX) {
                throw badMatch(OfProtocol.BMC_BAD_VALUE, "in_port " + inPort + " is not a port");
            }
        }
        if (m.has(OfMatch.ETH_TYPE)) {
            unmasked(m, OfMatch.ETH_TYPE, "eth_type");
            match = match.withEthType((int) m.value(OfMatch.ETH_TYPE));
        }
        if (m.has(OfMatch.ETH_DST)) {
            match = match.withEthDst(m.value(OfMatch.ETH_DST), m.mask(OfMatch.ETH_DST));
        }
        if (m.has(OfMatch.ETH_SRC)) {
            match = match.withEthSrc(m.value(OfMatch.ETH_SRC), m.mask(OfMatch.ETH_SRC));
        }
        if (m.has(OfMatch.VLAN_VID)) {
            match = vlan(m, match);
        }
        boolean ipv4 = match.ethType() == Ethernet.TYPE_IPV4;
        if (m.has(OfMatch.IP_PROTO)) {
            unmasked(m, OfMatch.IP_PROTO, "ip_proto");
            requireIpv4(ipv4, "ip_proto");
            match = match.withIpProto((int) m.value(OfMatch.IP_PROTO));
        }
        if (m.has(OfMatch.IPV4_SRC)) {
            requireIpv4(ipv4, "ipv4_src");
            match = match.withNwSrc(prefix(m, OfMatch.IPV4_SRC, "ipv4_src"));
        }
        if (m.has(OfMatch.IPV4_DST)) {
            requireIpv4(ipv4, "ipv4_dst");
            match = match.withNwDst(prefix(m, OfMatch.IPV4_DST, "ipv4_dst"));
        }
        return new Compiled(inPort, m.isEmpty() ? Match.all() : match);
    }

    private static Match vlan(OfMatch m, Match match) {
        long vid = m.value(OfMatch.VLAN_VID);
        if (m.hasMask(OfMatch.VLAN_VID)) {
            if (m.mask(OfMatch.VLAN_VID) == OFPVID_PRESENT && vid == OFPVID_PRESENT) {
                return match; // any VLAN: every admitted frame has one
            }
            throw badMatch(OfProtocol.BMC_BAD_MASK, "vlan_vid can be matched exactly or as OFPVID_PRESENT/OFPVID_PRESENT");
        }
        if ((vid & OFPVID_PRESENT) == 0) {
            throw badMatch(OfProtocol.BMC_BAD_VALUE, "vlan_vid=none matches nothing here: every frame has the VLAN its"
                    + " ingress port admitted it to");
        }
        int id = (int) (vid & 0xfff);
        if (id == 0 || id == 0xfff || (vid & ~0x1fffL) != 0) {
            throw badMatch(OfProtocol.BMC_BAD_VALUE, "vlan_vid " + id + " is not a VLAN (1..4094)");
        }
        return match.withVlan(id);
    }

    private static Ipv4Prefix prefix(OfMatch m, int field, String name) {
        int mask = (int) m.mask(field);
        int length = Integer.bitCount(mask);
        if (mask != Ipv4Prefix.mask(length)) {
            throw badMatch(OfProtocol.BMC_BAD_NW_ADDR_MASK, name + " mask is not a prefix (CIDR) mask");
        }
        return new Ipv4Prefix((int) m.value(field) & mask, length);
    }

    private static void unmasked(OfMatch m, int field, String name) {
        if (m.hasMask(field)) {
            throw badMatch(OfProtocol.BMC_BAD_MASK, name + " cannot be masked");
        }
    }

    private static void requireIpv4(boolean ipv4, String name) {
        if (!ipv4) {
            throw badMatch(OfProtocol.BMC_BAD_PREREQ, name + " needs eth_type=0x0800");
        }
    }

    private static OfDecodeException badMatch(int code, String why) {
        return new OfDecodeException(OfProtocol.ET_BAD_MATCH, code, why);
    }
}
