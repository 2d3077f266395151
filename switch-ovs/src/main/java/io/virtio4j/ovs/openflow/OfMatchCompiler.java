package io.virtio4j.ovs.openflow;

import io.virtio4j.ovs.flow.ControllerFlows;
import io.virtio4j.ovs.flow.Match;
import io.virtio4j.ovs.model.Ipv4Prefix;
import io.virtio4j.ovs.packet.Ethernet;
import io.virtio4j.ovs.packet.ParsedFrame;

/**
 * Turns a decoded OXM match into the data path's {@link Match}. Served: in_port, metadata (any
 * mask), eth_dst and eth_src (any mask), eth_type, vlan_vid, vlan_pcp, ip_proto, ipv4_src and
 * ipv4_dst (CIDR masks), tcp, udp and sctp ports, icmpv4 type and code, arp_op, arp_spa and arp_tpa
 * (CIDR masks), ipv6_src and ipv6_dst (any mask), icmpv6 type and code, tunnel_id (a VNI). Any
 * other field is BAD_MATCH/BAD_FIELD, never ignored (a flow matching less than it says would
 * catch frames it should not); a mask on a field the spec does not let be masked is BAD_MASK;
 * prerequisites (section 7.2.3.6, table 12: e.g. tcp_dst needs ip_proto=6, which needs eth_type
 * 0x0800 or 0x86dd) are BAD_PREREQ.
 *
 * <p>vlan_vid matches the VLAN the ingress port admitted the frame to (OpenFlow's tables run
 * after admission): {@code vlan_vid=V} (OFPVID_PRESENT|V) that VLAN, {@code OFPVID_PRESENT/OFPVID_PRESENT}
 * any; {@code OFPVID_NONE} a frame without a tag at that point (it arrived on an access port and
 * no push_vlan since, or a pop_vlan took it off: Faucet's native-VLAN flows push the tag there).
 * vlan_pcp is the priority of the tag the frame came with (0 when it came untagged); its
 * prerequisite is a vlan_vid other than none.
 */
final class OfMatchCompiler {
    private static final int OFPVID_PRESENT = 0x1000;
    private static final int PROTOCOL_ICMP = 1;
    private static final int VNI_MAX = 0xff_ffff;

    /** The fields served, in the order they are compiled (eth_type first: the others' prerequisite). */
    private static final int[] SERVED = {
        OfMatch.IN_PORT, OfMatch.METADATA, OfMatch.TUNNEL_ID, OfMatch.ETH_TYPE, OfMatch.ETH_DST, OfMatch.ETH_SRC,
        OfMatch.VLAN_VID, OfMatch.VLAN_PCP, OfMatch.IP_PROTO, OfMatch.IPV4_SRC, OfMatch.IPV4_DST, OfMatch.ARP_OP,
        OfMatch.ARP_SPA, OfMatch.ARP_TPA, OfMatch.IPV6_SRC, OfMatch.IPV6_DST, OfMatch.TCP_SRC, OfMatch.TCP_DST,
        OfMatch.UDP_SRC, OfMatch.UDP_DST, OfMatch.SCTP_SRC, OfMatch.SCTP_DST, OfMatch.ICMPV4_TYPE, OfMatch.ICMPV4_CODE,
        OfMatch.ICMPV6_TYPE, OfMatch.ICMPV6_CODE,
    };
    /** The fields OpenFlow 1.3 lets be masked (table 12); a mask on any other is BAD_MASK. */
    private static final int[] MASKABLE = {
        OfMatch.METADATA, OfMatch.ETH_DST, OfMatch.ETH_SRC, OfMatch.VLAN_VID, OfMatch.IPV4_SRC, OfMatch.IPV4_DST,
        OfMatch.ARP_SPA, OfMatch.ARP_TPA, OfMatch.IPV6_SRC, OfMatch.IPV6_DST, OfMatch.TUNNEL_ID,
    };

    /** A compiled match: in_port as an OpenFlow port number (or open) and the rest. */
    record Compiled(long inPort, Match match) {
    }

    private OfMatchCompiler() {
    }

    static Compiled compile(OfMatch m) {
        for (int f = 0; f < OfMatch.FIELDS; f++) {
            if (m.has(f) && !in(SERVED, f)) {
                throw badMatch(OfProtocol.BMC_BAD_FIELD, "OXM field " + f + " cannot be matched by this switch");
            }
            if (m.has(f) && m.hasMask(f) && !in(MASKABLE, f)) {
                throw badMatch(OfProtocol.BMC_BAD_MASK, "OXM field " + f + " cannot be masked");
            }
        }
        if (m.isEmpty()) {
            return new Compiled(ControllerFlows.Rule.ANY_PORT, Match.all());
        }
        long inPort = ControllerFlows.Rule.ANY_PORT;
        if (m.has(OfMatch.IN_PORT)) {
            inPort = m.value(OfMatch.IN_PORT);
            if (inPort == 0 || inPort > OfProtocol.PORT_MAX) {
                throw badMatch(OfProtocol.BMC_BAD_VALUE, "in_port " + inPort + " is not a port");
            }
        }
        Match match = Match.all();
        if (m.has(OfMatch.ETH_TYPE)) {
            match = match.withEthType((int) m.value(OfMatch.ETH_TYPE));
        }
        if (m.has(OfMatch.METADATA)) {
            match = match.withMetadata(m.value(OfMatch.METADATA), m.mask(OfMatch.METADATA));
        }
        if (m.has(OfMatch.TUNNEL_ID)) {
            match = tunnel(m, match);
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
        if (m.has(OfMatch.VLAN_PCP)) {
            match = pcp(m, match);
        }
        match = network(m, match);
        return new Compiled(inPort, transport(m, match));
    }

    /** The IP and ARP fields, each after its EtherType prerequisite. */
    private static Match network(OfMatch m, Match match) {
        int type = match.ethType();
        if (m.has(OfMatch.IP_PROTO)) {
            require(type == Ethernet.TYPE_IPV4 || type == Ethernet.TYPE_IPV6, "ip_proto needs eth_type=0x0800 or 0x86dd");
            match = match.withIpProto((int) m.value(OfMatch.IP_PROTO));
        }
        for (int field : new int[] {OfMatch.IPV4_SRC, OfMatch.IPV4_DST, OfMatch.ARP_SPA, OfMatch.ARP_TPA}) {
            if (m.has(field)) {
                boolean arp = field == OfMatch.ARP_SPA || field == OfMatch.ARP_TPA;
                String name = name(field);
                require(type == (arp ? Ethernet.TYPE_ARP : Ethernet.TYPE_IPV4), name + " needs eth_type=" + (arp ? "0x0806" : "0x0800"));
                Ipv4Prefix prefix = prefix(m, field, name);
                boolean source = field == OfMatch.IPV4_SRC || field == OfMatch.ARP_SPA;
                match = source ? match.withNwSrc(prefix) : match.withNwDst(prefix);
            }
        }
        if (m.has(OfMatch.ARP_OP)) {
            require(type == Ethernet.TYPE_ARP, "arp_op needs eth_type=0x0806");
            match = match.withArpOp((int) m.value(OfMatch.ARP_OP));
        }
        for (int field : new int[] {OfMatch.IPV6_SRC, OfMatch.IPV6_DST}) {
            if (m.has(field)) {
                require(type == Ethernet.TYPE_IPV6, name(field) + " needs eth_type=0x86dd");
                match = match.withIpv6(field == OfMatch.IPV6_SRC, m.half(field, false, 0), m.half(field, false, 1),
                        m.half(field, true, 0), m.half(field, true, 1));
            }
        }
        return match;
    }

    /** TCP, UDP and SCTP ports and ICMP types and codes: OVS's tp_src and tp_dst, each after its ip_proto. */
    private static Match transport(OfMatch m, Match match) {
        int[][] fields = {
            {OfMatch.TCP_SRC, ParsedFrame.PROTOCOL_TCP, Ethernet.TYPE_IPV4}, {OfMatch.TCP_DST, ParsedFrame.PROTOCOL_TCP, Ethernet.TYPE_IPV4},
            {OfMatch.UDP_SRC, ParsedFrame.PROTOCOL_UDP, Ethernet.TYPE_IPV4}, {OfMatch.UDP_DST, ParsedFrame.PROTOCOL_UDP, Ethernet.TYPE_IPV4},
            {OfMatch.SCTP_SRC, ParsedFrame.PROTOCOL_SCTP, Ethernet.TYPE_IPV4}, {OfMatch.SCTP_DST, ParsedFrame.PROTOCOL_SCTP, Ethernet.TYPE_IPV4},
            {OfMatch.ICMPV4_TYPE, PROTOCOL_ICMP, Ethernet.TYPE_IPV4}, {OfMatch.ICMPV4_CODE, PROTOCOL_ICMP, Ethernet.TYPE_IPV4},
            {OfMatch.ICMPV6_TYPE, ParsedFrame.PROTOCOL_ICMPV6, Ethernet.TYPE_IPV6},
            {OfMatch.ICMPV6_CODE, ParsedFrame.PROTOCOL_ICMPV6, Ethernet.TYPE_IPV6},
        };
        for (int[] f : fields) {
            int field = f[0];
            if (!m.has(field)) {
                continue;
            }
            // Ports are on either IP version; ICMP's types belong to one.
            boolean icmp = f[1] == PROTOCOL_ICMP || f[1] == ParsedFrame.PROTOCOL_ICMPV6;
            boolean typeOk = icmp ? match.ethType() == f[2]
                    : match.ethType() == Ethernet.TYPE_IPV4 || match.ethType() == Ethernet.TYPE_IPV6;
            require(match.ipProto() == f[1] && typeOk, name(field) + " needs ip_proto=" + f[1] + " and eth_type="
                    + (icmp ? String.format("0x%04x", f[2]) : "0x0800 or 0x86dd"));
            // The source fields come first in each pair: tcp_src, udp_src, sctp_src, the ICMP types.
            boolean source = field == OfMatch.TCP_SRC || field == OfMatch.UDP_SRC || field == OfMatch.SCTP_SRC
                    || field == OfMatch.ICMPV4_TYPE || field == OfMatch.ICMPV6_TYPE;
            match = match.withTp(source, (int) m.value(field));
        }
        return match;
    }

    private static String name(int field) {
        return switch (field) {
            case OfMatch.IPV4_SRC -> "ipv4_src";
            case OfMatch.IPV4_DST -> "ipv4_dst";
            case OfMatch.ARP_SPA -> "arp_spa";
            case OfMatch.ARP_TPA -> "arp_tpa";
            case OfMatch.IPV6_SRC -> "ipv6_src";
            case OfMatch.IPV6_DST -> "ipv6_dst";
            default -> "OXM field " + field;
        };
    }

    /** vlan_pcp needs a VLAN in the match (vlan_vid other than none, section 7.2.3.6). */
    private static Match pcp(OfMatch m, Match match) {
        require(m.has(OfMatch.VLAN_VID) && m.value(OfMatch.VLAN_VID) != 0, "vlan_pcp needs vlan_vid other than none");
        long pcp = m.value(OfMatch.VLAN_PCP);
        if (pcp > 7) {
            throw badMatch(OfProtocol.BMC_BAD_VALUE, "vlan_pcp " + pcp + " is not 0..7");
        }
        return match.withVlanPcp((int) pcp);
    }

    /** tunnel_id: a VNI (24 bits), matched exactly. */
    private static Match tunnel(OfMatch m, Match match) {
        if (m.mask(OfMatch.TUNNEL_ID) != -1L) {
            throw badMatch(OfProtocol.BMC_BAD_MASK, "tunnel_id can only be matched exactly (a VNI)");
        }
        long vni = m.value(OfMatch.TUNNEL_ID);
        if (vni < 0 || vni > VNI_MAX) {
            throw badMatch(OfProtocol.BMC_BAD_VALUE, "tunnel_id " + Long.toUnsignedString(vni) + " is not a VNI (24 bits)");
        }
        return match.withTunnelId((int) vni);
    }

    private static Match vlan(OfMatch m, Match match) {
        long vid = m.value(OfMatch.VLAN_VID);
        if (m.hasMask(OfMatch.VLAN_VID)) {
            if (m.mask(OfMatch.VLAN_VID) == OFPVID_PRESENT && vid == OFPVID_PRESENT) {
                return match; // any VLAN: every admitted frame has one
            }
            throw badMatch(OfProtocol.BMC_BAD_MASK, "vlan_vid can be matched exactly or as OFPVID_PRESENT/OFPVID_PRESENT");
        }
        if (vid == 0) {
            return match.withoutTag();
        }
        if ((vid & OFPVID_PRESENT) == 0) {
            throw badMatch(OfProtocol.BMC_BAD_VALUE, String.format("vlan_vid 0x%04x: a VID without OFPVID_PRESENT", vid));
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

    private static boolean in(int[] fields, int field) {
        for (int f : fields) {
            if (f == field) {
                return true;
            }
        }
        return false;
    }

    private static void require(boolean prerequisite, String why) {
        if (!prerequisite) {
            throw badMatch(OfProtocol.BMC_BAD_PREREQ, why);
        }
    }

    private static OfDecodeException badMatch(int code, String why) {
        return new OfDecodeException(OfProtocol.ET_BAD_MATCH, code, why);
    }
}
