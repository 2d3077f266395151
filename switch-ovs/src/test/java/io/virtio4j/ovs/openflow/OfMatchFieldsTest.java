package io.virtio4j.ovs.openflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

/**
 * The OXM fields FLOW_MOD gained for Faucet (issue 18), decoded and compiled: each accepted with
 * its prerequisites (shown as the ovs-ofctl spelling of the compiled match), and each refused with
 * its error: a prerequisite missing (BAD_PREREQ), a wrong length (BAD_LEN), a mask the spec does
 * not allow (BAD_MASK), a value out of range (BAD_VALUE).
 */
class OfMatchFieldsTest {
    private static final int ETH_TYPE = OfMatch.ETH_TYPE;
    private static final int IP_PROTO = OfMatch.IP_PROTO;

    private static FlowModBytes flow() {
        return FlowModBytes.of(OfProtocol.FC_ADD);
    }

    private static OfMatch decode(FlowModBytes f) {
        return OfMatch.decode(OfReader.of(ByteBuffer.wrap(f.matchBytes())));
    }

    private static String compiled(FlowModBytes f) {
        return OfMatchCompiler.compile(decode(f)).match().toString();
    }

    private static void refused(FlowModBytes f, int code, String what) {
        OfDecodeException e = assertThrows(OfDecodeException.class, () -> OfMatchCompiler.compile(decode(f)), what);
        assertEquals(OfProtocol.ET_BAD_MATCH, e.type(), what);
        assertEquals(code, e.code(), what + ": " + e.getMessage());
    }

    private static FlowModBytes ipv4(int proto) {
        return flow().match(ETH_TYPE, 2, 0x0800).match(IP_PROTO, 1, proto);
    }

    @Test
    void transportPortsAndIcmpWithTheirPrerequisites() {
        assertEquals("ip,nw_proto=6,tp_dst=80", compiled(ipv4(6).match(OfMatch.TCP_DST, 2, 80)));
        assertEquals("ip,nw_proto=6,tp_src=1024", compiled(ipv4(6).match(OfMatch.TCP_SRC, 2, 1024)));
        assertEquals("ip,nw_proto=17,tp_src=68,tp_dst=67", compiled(ipv4(17).match(OfMatch.UDP_SRC, 2, 68).match(OfMatch.UDP_DST, 2, 67)));
        assertEquals("ipv6,nw_proto=17,tp_dst=547", compiled(flow().match(ETH_TYPE, 2, 0x86dd).match(IP_PROTO, 1, 17)
                .match(OfMatch.UDP_DST, 2, 547)));
        assertEquals("ip,nw_proto=132,tp_dst=9", compiled(ipv4(132).match(OfMatch.SCTP_DST, 2, 9)));
        assertEquals("ip,nw_proto=1,tp_src=8,tp_dst=0", compiled(ipv4(1).match(OfMatch.ICMPV4_TYPE, 1, 8).match(OfMatch.ICMPV4_CODE, 1, 0)));
        assertEquals("ipv6,nw_proto=58,tp_src=135", compiled(flow().match(ETH_TYPE, 2, 0x86dd).match(IP_PROTO, 1, 58)
                .match(OfMatch.ICMPV6_TYPE, 1, 135)));

        refused(flow().match(OfMatch.TCP_DST, 2, 80), OfProtocol.BMC_BAD_PREREQ, "tcp_dst alone");
        refused(flow().match(ETH_TYPE, 2, 0x0800).match(OfMatch.TCP_DST, 2, 80), OfProtocol.BMC_BAD_PREREQ, "tcp_dst without ip_proto");
        refused(ipv4(17).match(OfMatch.TCP_DST, 2, 80), OfProtocol.BMC_BAD_PREREQ, "tcp_dst with ip_proto=17");
        refused(ipv4(6).match(OfMatch.UDP_DST, 2, 53), OfProtocol.BMC_BAD_PREREQ, "udp_dst with ip_proto=6");
        refused(flow().match(IP_PROTO, 1, 6), OfProtocol.BMC_BAD_PREREQ, "ip_proto without eth_type");
        refused(flow().match(ETH_TYPE, 2, 0x0806).match(IP_PROTO, 1, 6), OfProtocol.BMC_BAD_PREREQ, "ip_proto on ARP");
        refused(flow().match(ETH_TYPE, 2, 0x86dd).match(IP_PROTO, 1, 1).match(OfMatch.ICMPV4_TYPE, 1, 8),
                OfProtocol.BMC_BAD_PREREQ, "icmpv4_type on IPv6");
        refused(ipv4(58).match(OfMatch.ICMPV6_TYPE, 1, 135), OfProtocol.BMC_BAD_PREREQ, "icmpv6_type on IPv4");
        refused(ipv4(6).match(OfMatch.TCP_DST, 2, 80, 0xff00), OfProtocol.BMC_BAD_MASK, "a masked port (not maskable in 1.3)");
    }

    @Test
    void arpFields() {
        assertEquals("arp,arp_tpa=10.0.0.1/32,arp_spa=10.0.0.0/24,arp_op=1", compiled(flow().match(ETH_TYPE, 2, 0x0806)
                .match(OfMatch.ARP_OP, 2, 1).match(OfMatch.ARP_SPA, 4, 0x0a00_0000L, 0xffff_ff00L).match(OfMatch.ARP_TPA, 4, 0x0a00_0001L)));
        refused(flow().match(OfMatch.ARP_OP, 2, 1), OfProtocol.BMC_BAD_PREREQ, "arp_op without eth_type");
        refused(flow().match(ETH_TYPE, 2, 0x0800).match(OfMatch.ARP_TPA, 4, 1), OfProtocol.BMC_BAD_PREREQ, "arp_tpa on IPv4");
        refused(flow().match(ETH_TYPE, 2, 0x0806).match(OfMatch.ARP_SPA, 4, 1, 0x00ff_ff00L), OfProtocol.BMC_BAD_NW_ADDR_MASK,
                "arp_spa under a mask that is no prefix");
        refused(flow().match(ETH_TYPE, 2, 0x0806).match(OfMatch.ARP_OP, 2, 1, 0xff), OfProtocol.BMC_BAD_MASK, "a masked arp_op");
    }

    @Test
    void ipv6AddressesUnderAnyMask() {
        FlowModBytes f = flow().match(ETH_TYPE, 2, 0x86dd);
        f.oxm(OfMatch.IPV6_DST, bytes("2001:db8:1::"), bytes("ffff:ffff:ffff::"));
        f.oxm(OfMatch.IPV6_SRC, bytes("2001:db8::a"), null);
        assertEquals("ipv6,ipv6_src=2001:db8:0:0:0:0:0:a,ipv6_dst=2001:db8:1:0:0:0:0:0/ffff:ffff:ffff:0:0:0:0:0", compiled(f));
        FlowModBytes bare = flow();
        bare.oxm(OfMatch.IPV6_DST, bytes("2001:db8::1"), null);
        refused(bare, OfProtocol.BMC_BAD_PREREQ, "ipv6_dst without eth_type");
        FlowModBytes onIpv4 = flow().match(ETH_TYPE, 2, 0x0800);
        onIpv4.oxm(OfMatch.IPV6_SRC, bytes("::1"), null);
        refused(onIpv4, OfProtocol.BMC_BAD_PREREQ, "ipv6_src on IPv4");
    }

    @Test
    void vlanPcpMetadataAndTunnelId() {
        assertEquals("dl_vlan=10,dl_vlan_pcp=5", compiled(flow().match(OfMatch.VLAN_VID, 2, 0x1000 | 10).match(OfMatch.VLAN_PCP, 1, 5)));
        refused(flow().match(OfMatch.VLAN_PCP, 1, 5), OfProtocol.BMC_BAD_PREREQ, "vlan_pcp without vlan_vid");
        refused(flow().match(OfMatch.VLAN_VID, 2, 0).match(OfMatch.VLAN_PCP, 1, 5), OfProtocol.BMC_BAD_PREREQ,
                "vlan_pcp with vlan_vid=none");
        assertEquals("vlan_tci=0x0000/0x1fff", compiled(flow().match(OfMatch.VLAN_VID, 2, 0)), "vlan_vid=none");
        refused(flow().match(OfMatch.VLAN_VID, 2, 0x1000 | 10).match(OfMatch.VLAN_PCP, 1, 8), OfProtocol.BMC_BAD_VALUE, "vlan_pcp 8");
        assertEquals("metadata=0x50/0xf0", compiled(flow().match(OfMatch.METADATA, 8, 0x5a, 0xf0)));
        assertEquals("metadata=0x7", compiled(flow().match(OfMatch.METADATA, 8, 7)));
        assertEquals("tun_id=0x1392", compiled(flow().match(OfMatch.TUNNEL_ID, 8, 5010)));
        refused(flow().match(OfMatch.TUNNEL_ID, 8, 1L << 24), OfProtocol.BMC_BAD_VALUE, "tunnel_id past 24 bits");
        refused(flow().match(OfMatch.TUNNEL_ID, 8, 5010, 0xff00), OfProtocol.BMC_BAD_MASK, "a masked tunnel_id");
    }

    @Test
    void eachNewFieldWithTheWrongLengthIsBadLen() {
        int[][] fields = {
            {OfMatch.VLAN_PCP, 1}, {OfMatch.TCP_DST, 2}, {OfMatch.UDP_SRC, 2}, {OfMatch.ICMPV4_TYPE, 1}, {OfMatch.ARP_OP, 2},
            {OfMatch.ARP_TPA, 4}, {OfMatch.IPV6_DST, 16}, {OfMatch.ICMPV6_TYPE, 1}, {OfMatch.METADATA, 8}, {OfMatch.TUNNEL_ID, 8},
        };
        for (int[] f : fields) {
            for (int size : new int[] {f[1] - 1, f[1] + 1}) {
                FlowModBytes bad = flow();
                bad.oxm(f[0], new byte[Math.max(size, 0)], null);
                OfDecodeException e = assertThrows(OfDecodeException.class, () -> decode(bad), "field " + f[0] + " of " + size);
                assertEquals(OfProtocol.ET_BAD_MATCH, e.type());
                assertEquals(OfProtocol.BMC_BAD_LEN, e.code(), "field " + f[0] + " of " + size + " bytes");
            }
        }
    }

    private static byte[] bytes(String ipv6) {
        return io.virtio4j.ovs.testing.Frames.ipv6Address(ipv6);
    }
}
