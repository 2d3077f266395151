package io.virtio4j.ovs.pipeline;

import static io.virtio4j.ovs.testing.Lab.BROADCAST;
import static io.virtio4j.ovs.testing.Lab.H1;
import static io.virtio4j.ovs.testing.Lab.H2;
import static io.virtio4j.ovs.testing.Lab.H1_IP;
import static io.virtio4j.ovs.testing.Lab.H2_IP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.flow.ControllerFlows;
import io.virtio4j.ovs.flow.ControllerFlows.Rule;
import io.virtio4j.ovs.flow.Match;
import io.virtio4j.ovs.flow.RuleAction;
import io.virtio4j.ovs.model.Ipv4Prefix;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.packet.Ethernet;
import io.virtio4j.ovs.testing.Frames;
import io.virtio4j.ovs.testing.Lab;

/**
 * The match fields OpenFlow flows gained for Faucet (issue 18), each steering frames in the
 * pipeline: a flow on the field sends matching frames to a2 (port 1), a catch-all drops the rest.
 * A frame too short for the field falls through to the catch-all, never out of bounds; fields
 * outside the cache key make the pipeline translate every frame, metadata and tunnel_id do not.
 */
class OpenFlowMatchesTest {
    private static final Object HIT = "hit";
    private static final Object REST = "rest";
    private static final Match IP = Match.all().withEthType(Ethernet.TYPE_IPV4);
    private static final Match IPV6 = Match.all().withEthType(Ethernet.TYPE_IPV6);
    private static final Match ARP = Match.all().withEthType(Ethernet.TYPE_ARP);
    private static final byte[] V6_A = Frames.ipv6Address("2001:db8::a");
    private static final byte[] V6_B = Frames.ipv6Address("2001:db8:1::b");

    /** A lab whose table 0 sends frames matching {@code match} to a2 and drops the rest. */
    private static Lab lab(Match match) {
        return new Lab(L3Mode.NONE, new ControllerFlows(List.of(
                new Rule(HIT, 0, 100, Rule.ANY_PORT, match, List.of(new RuleAction.ToPort(2))),
                new Rule(REST, 0, 0, Rule.ANY_PORT, Match.all(), List.of())), Lab.portNumbers()));
    }

    private static void hits(Lab lab, byte[] frame, String what) {
        lab.send(0, frame);
        assertEquals(List.of(1), lab.outputs(), what + ": matched");
    }

    private static void misses(Lab lab, byte[] frame, String what) {
        lab.send(0, frame);
        assertEquals(DropReason.FLOW_DROP, lab.verdict.drop(), what + ": not matched");
    }

    private static byte[] tcp(int vlan, int srcPort, int dstPort) {
        return Frames.ethernet(H2, H1, vlan, 0x0800, Frames.ipv4(H1_IP, H2_IP, 64, 6, Frames.tcp(srcPort, dstPort)));
    }

    private static byte[] udp(int srcPort, int dstPort) {
        return Frames.ethernet(H2, H1, 0, 0x0800, Frames.ipv4(H1_IP, H2_IP, 64, 17, Frames.udp(srcPort, dstPort, new byte[8])));
    }

    private static byte[] ipv6(byte[] src, byte[] dst, int next, byte[] payload) {
        return Frames.ethernet(H2, H1, 0, 0x86dd, Frames.ipv6(src, dst, next, payload));
    }

    @Test
    void tcpAndUdpPortsMatchTheirOwnProtocolOnly() {
        Lab web = lab(IP.withIpProto(6).withTp(false, 80));
        hits(web, tcp(0, 40000, 80), "tcp_dst=80");
        misses(web, tcp(0, 40000, 81), "tcp_dst=81");
        misses(web, udp(40000, 80), "udp to 80 under a tcp flow");
        Lab dhcp = lab(IP.withIpProto(17).withTp(true, 68).withTp(false, 67));
        hits(dhcp, udp(68, 67), "udp 68 -> 67");
        misses(dhcp, udp(67, 68), "udp 67 -> 68");
        // The same flow on IPv6: the ports behind an IPv6 header.
        Lab web6 = lab(IPV6.withIpProto(6).withTp(false, 443));
        hits(web6, ipv6(V6_A, V6_B, 6, Frames.tcp(1, 443)), "tcp6 443");
        misses(web6, ipv6(V6_A, V6_B, 6, Frames.tcp(1, 80)), "tcp6 80");
    }

    @Test
    void aFrameCutBeforeThePortsDoesNotMatchAndIsNotMalformed() {
        Lab web = lab(IP.withIpProto(6).withTp(false, 80));
        byte[] whole = tcp(0, 40000, 80);
        for (int length = 14 + 20; length < 14 + 20 + 4; length++) {
            byte[] cut = java.util.Arrays.copyOf(whole, length);
            cut[17] = (byte) (length - 14); // IPv4 total length: what is left
            misses(web, cut, "cut at " + length);
        }
        assertEquals(0, web.pipeline.drops(DropReason.MALFORMED));
    }

    @Test
    void icmpTypeAndCodeForBothVersions() {
        Lab echo = lab(IP.withIpProto(1).withTp(true, 8).withTp(false, 0));
        hits(echo, Lab.ping(H2, H1, 0, H1_IP, H2_IP, 64), "echo request");
        misses(echo, Frames.ethernet(H2, H1, 0, 0x0800, Frames.ipv4(H1_IP, H2_IP, 64, 1, Frames.icmp(0, 0, 0, new byte[4]))),
                "echo reply");
        Lab solicit = lab(IPV6.withIpProto(58).withTp(true, 135));
        hits(solicit, ipv6(V6_A, V6_B, 58, new byte[] {(byte) 135, 0, 0, 0}), "neighbour solicitation");
        misses(solicit, ipv6(V6_A, V6_B, 58, new byte[] {(byte) 136, 0, 0, 0}), "neighbour advertisement");
    }

    @Test
    void arpOperationSenderAndTarget() {
        int gw = Lab.GW10;
        Lab who = lab(ARP.withArpOp(1).withNwSrc(new Ipv4Prefix(H1_IP, 32)).withNwDst(new Ipv4Prefix(gw, 32)));
        hits(who, Lab.arpRequest(H1, H1_IP, gw, 0), "request from H1 for the gateway");
        misses(who, Lab.arpRequest(H1, H1_IP, H2_IP, 0), "request for another target");
        misses(who, Lab.arpRequest(H1, H2_IP, gw, 0), "request from another sender");
        misses(who, Frames.ethernet(BROADCAST, H1, 0, 0x0806, Frames.arp(2, H1, H1_IP, 0, gw)), "a reply");
    }

    @Test
    void ipv6AddressesUnderMasks() {
        // 2001:db8:1::/48 as the destination, 2001:db8::a exactly as the source.
        Lab lab = lab(IPV6.withIpv6(false, 0x2001_0db8_0001_0000L, 0, 0xffff_ffff_ffff_0000L, 0)
                .withIpv6(true, 0x2001_0db8_0000_0000L, 0xa, -1L, -1L));
        hits(lab, ipv6(V6_A, V6_B, 59, new byte[0]), "in the /48, from ::a");
        misses(lab, ipv6(V6_A, Frames.ipv6Address("2001:db8:2::b"), 59, new byte[0]), "outside the /48");
        misses(lab, ipv6(V6_B, V6_B, 59, new byte[0]), "another source");
        byte[] cut = java.util.Arrays.copyOf(ipv6(V6_A, V6_B, 59, new byte[0]), 14 + 39);
        misses(lab, cut, "the header cut one byte short");
    }

    @Test
    void vlanPriorityIsTheReceivedTagsAndZeroUntagged() {
        // The trunk (port 4) carries VLAN 10 tagged; a1 is an access port.
        Lab lab = lab(Match.all().withVlan(10).withVlanPcp(5));
        byte[] tagged = tcp(10, 1, 2);
        tagged[14] = (byte) (5 << 5);
        lab.send(4, tagged);
        assertEquals(List.of(1), lab.outputs(), "PCP 5 on VLAN 10");
        tagged[14] = (byte) (4 << 5);
        lab.send(4, tagged);
        assertEquals(DropReason.FLOW_DROP, lab.verdict.drop(), "PCP 4");
        Lab zero = lab(Match.all().withVlan(10).withVlanPcp(0));
        hits(zero, tcp(0, 1, 2), "untagged on an access port: priority 0");
    }

    @Test
    void fieldsOutsideTheKeyBypassTheCacheMetadataAndTunnelIdDoNot() {
        Lab ports = lab(IP.withIpProto(6).withTp(false, 80));
        for (int i = 0; i < 3; i++) {
            hits(ports, tcp(0, 1, 80), "80");
            misses(ports, tcp(0, 1, 22), "same cache key, port 22");
        }
        assertEquals(0, ports.pipeline.counter(PipelineCounter.EMC_HITS), "every frame translated");
        assertEquals(3L, ports.pipeline.controllerPackets().get(HIT));
        assertEquals(3L, ports.pipeline.controllerPackets().get(REST));

        Lab metadata = new Lab(L3Mode.NONE, new ControllerFlows(List.of(
                new Rule(REST, 0, 0, Rule.ANY_PORT, Match.all(), List.of(
                        new RuleAction.Apply(new io.virtio4j.ovs.flow.Actions.WriteMetadata(0x50, 0xf0)), new RuleAction.ToTable(1))),
                new Rule(HIT, 1, 10, Rule.ANY_PORT, Match.all().withMetadata(0x50, 0xf0), List.of(new RuleAction.ToPort(2)))),
                Lab.portNumbers()));
        for (int i = 0; i < 4; i++) {
            hits(metadata, tcp(0, 1, 80), "metadata written in table 0, matched in table 1");
        }
        assertTrue(metadata.pipeline.counter(PipelineCounter.EMC_HITS) >= 2, "metadata keeps the cache");
    }
}
