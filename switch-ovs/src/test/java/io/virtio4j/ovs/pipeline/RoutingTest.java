package io.virtio4j.ovs.pipeline;

import static io.virtio4j.ovs.testing.Lab.GW10;
import static io.virtio4j.ovs.testing.Lab.GW10_MAC;
import static io.virtio4j.ovs.testing.Lab.GW20_MAC;
import static io.virtio4j.ovs.testing.Lab.H1;
import static io.virtio4j.ovs.testing.Lab.H1_IP;
import static io.virtio4j.ovs.testing.Lab.H2;
import static io.virtio4j.ovs.testing.Lab.H2_IP;
import static io.virtio4j.ovs.testing.Lab.ROUTER10_MAC;
import static io.virtio4j.ovs.testing.Lab.ROUTER20_MAC;
import static io.virtio4j.ovs.testing.Lab.arpRequest;
import static io.virtio4j.ovs.testing.Lab.ping;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.l3.NeighbourEntry;
import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.packet.Checksum;
import io.virtio4j.ovs.testing.Frames;
import io.virtio4j.ovs.packet.NetworkOrder;
import io.virtio4j.ovs.testing.Lab;

/** ovs-only routing between the lab's subnets. */
class RoutingTest {
    private Lab lab;

    @BeforeEach
    void hostsAnnounceThemselves() {
        lab = new Lab(L3Mode.OVS_ONLY);
        // H2 asks for its gateway: the switch learns H2's port (FDB) and its IP (neighbour table).
        lab.send(2, arpRequest(H2, H2_IP, Lab.GW20, 0));
        assertEquals(60, lab.verdict.replyLength());
    }

    private void assertRouted(List<Integer> ports, int vlan, long src, long dst) {
        assertEquals(DropReason.NONE, lab.verdict.drop());
        assertEquals(ports, lab.outputs());
        assertEquals(vlan, lab.verdict.egressVlan());
        assertEquals(src, lab.verdict.ethSource());
        assertEquals(dst, lab.verdict.ethDestination());
        assertTrue(lab.verdict.decrementTtl());
    }

    @Test
    void routesAcrossSubnetsRewritingMacsVlanAndTtl() {
        byte[] frame = ping(GW10_MAC, H1, 0, H1_IP, H2_IP, 64);
        lab.send(0, frame);
        assertRouted(List.of(2), 20, GW20_MAC, H2);
        assertEquals(0, lab.verdict.replyLength());
        // What the executor will do in the destination buffer leaves a valid IPv4 header with TTL 63.
        MemorySegment copy = MemorySegment.ofArray(frame.clone());
        Checksum.decrementTtl(copy, 14);
        assertEquals(63, NetworkOrder.u8(copy, 14 + 8));
        assertTrue(Checksum.verify(copy, 14, 20));
    }

    @Test
    void aRoutedFrameToAnUnlearnedPortFloodsTheEgressVlanIncludingTheTrunk() {
        lab.send(0, ping(GW10_MAC, H1, 0, H1_IP, Ipv4.parse("10.0.2.254"), 64));
        assertRouted(List.of(2, 3, 4), 20, GW20_MAC, ROUTER20_MAC);
    }

    @Test
    void routerOnAStickMayLeaveByItsIngressTrunk() {
        lab.send(4, ping(GW10_MAC, H1, 10, H1_IP, H2_IP, 64));
        assertRouted(List.of(2), 20, GW20_MAC, H2);
        lab.send(4, ping(GW10_MAC, H1, 10, H1_IP, Ipv4.parse("10.0.2.254"), 64));
        assertRouted(List.of(2, 3, 4), 20, GW20_MAC, ROUTER20_MAC);
    }

    @Test
    void theLongestPrefixWinsAndStaticRoutesGoViaTheirNextHop() {
        lab.send(0, ping(GW10_MAC, H1, 0, H1_IP, Ipv4.parse("192.168.5.7"), 64));
        // Routed back into VLAN 10 towards a next hop not learned yet: a routed frame may leave by
        // its ingress port (the next hop could be behind it), so the flood includes port 0.
        assertRouted(List.of(0, 1, 4), 10, GW10_MAC, ROUTER10_MAC);
        lab.send(0, ping(GW10_MAC, H1, 0, H1_IP, Ipv4.parse("192.168.6.7"), 64));
        assertRouted(List.of(2, 3, 4), 20, GW20_MAC, ROUTER20_MAC);
        assertEquals("vlan 10: 192.168.5.0/24 via 10.0.1.254 -> vlan 10 src 02:00:00:00:01:01",
                lab.pipeline.routes().stream().filter(r -> r.ingressVlan() == 10).map(Object::toString)
                        .filter(s -> s.contains("192.168.5.0")).findFirst().orElseThrow());
    }

    @Test
    void aTtlOfOneIsDroppedCountedAndAnsweredWithTimeExceeded() {
        byte[] frame = ping(GW10_MAC, H1, 0, H1_IP, H2_IP, 1);
        lab.send(0, frame);
        assertEquals(DropReason.TTL_EXPIRED, lab.verdict.drop());
        assertEquals(0, lab.verdict.outputCount());
        assertEquals(1, lab.pipeline.drops(DropReason.TTL_EXPIRED));
        assertEquals(1, lab.pipeline.counter(PipelineCounter.TIME_EXCEEDED_SENT));
        byte[] reply = Frames.reply(lab.verdict);
        assertEquals(10, lab.verdict.egressVlan());
        assertEquals(H1, Frames.mac(reply, 0));
        assertEquals(GW10_MAC, Frames.mac(reply, 6));
        MemorySegment r = MemorySegment.ofArray(reply);
        assertEquals(0x0800, NetworkOrder.u16(r, 12));
        assertTrue(Checksum.verify(r, 14, 20));
        assertEquals(GW10, NetworkOrder.u32(r, 14 + 12));
        assertEquals(H1_IP, NetworkOrder.u32(r, 14 + 16));
        assertEquals(1, NetworkOrder.u8(r, 14 + 9));
        int icmpLength = NetworkOrder.u16(r, 14 + 2) - 20;
        assertEquals(8 + 20 + 8, icmpLength, "ICMP header + quoted IP header + 8 bytes");
        assertEquals(11, NetworkOrder.u8(r, 34));
        assertEquals(0, NetworkOrder.u8(r, 35));
        assertTrue(Checksum.verify(r, 34, icmpLength));
        assertArrayEquals(Arrays.copyOfRange(frame, 14, 14 + 28), Arrays.copyOfRange(reply, 42, 42 + 28));
        lab.send(0, ping(GW10_MAC, H1, 0, H1_IP, H2_IP, 0));
        assertEquals(DropReason.TTL_EXPIRED, lab.verdict.drop(), "TTL 0 too");
        lab.send(0, ping(GW10_MAC, H1, 0, H1_IP, H2_IP, 2));
        assertEquals(DropReason.NONE, lab.verdict.drop(), "TTL 2 is routed (the same cached flow, checked per frame)");
    }

    @Test
    void noTimeExceededAboutAnIcmpError() {
        byte[] error = Frames.ethernet(GW10_MAC, H1, 0, 0x0800,
                Frames.ipv4(H1_IP, H2_IP, 1, 1, Frames.icmp(3, 1, 0, new byte[28])));
        lab.send(0, error);
        assertEquals(DropReason.TTL_EXPIRED, lab.verdict.drop());
        assertEquals(0, lab.verdict.replyLength());
    }

    @Test
    void noRouteAndUnknownNeighbourAreDroppedAndCounted() {
        lab.send(0, ping(GW10_MAC, H1, 0, H1_IP, Ipv4.parse("8.8.8.8"), 64));
        assertEquals(DropReason.NO_ROUTE, lab.verdict.drop());
        lab.send(0, ping(GW10_MAC, H1, 0, H1_IP, Ipv4.parse("10.0.2.99"), 64));
        assertEquals(DropReason.NO_NEIGHBOUR, lab.verdict.drop());
        assertEquals(1, lab.pipeline.drops(DropReason.NO_ROUTE));
        assertEquals(1, lab.pipeline.drops(DropReason.NO_NEIGHBOUR));
    }

    @Test
    void aNeighbourLearnedLaterIsUsedAtOnceDespiteTheCache() {
        int h3ip = Ipv4.parse("10.0.2.30");
        long h3 = Lab.H3;
        lab.send(0, ping(GW10_MAC, H1, 0, H1_IP, h3ip, 64));
        assertEquals(DropReason.NO_NEIGHBOUR, lab.verdict.drop());
        lab.send(3, Frames.ethernet(H2, h3, 0, 0x0806, Frames.arp(2, h3, h3ip, H2, H2_IP)));
        assertEquals(List.of(2), lab.outputs(), "an ARP reply between hosts is switched");
        lab.send(0, ping(GW10_MAC, H1, 0, H1_IP, h3ip, 64));
        assertRouted(List.of(3), 20, GW20_MAC, h3);
        assertTrue(lab.pipeline.neighbours(lab.now).contains(new NeighbourEntry(20, h3ip, h3, false)));
    }

    @Test
    void trafficFromANeighbourKeepsItAliveAndSilentNeighboursAgeOut() {
        int h3ip = Ipv4.parse("10.0.2.30");
        lab.send(3, Frames.ethernet(Lab.BROADCAST, Lab.H3, 0, 0x0806, Frames.arp(1, Lab.H3, h3ip, 0, Ipv4.parse("10.0.2.99"))));
        // 200 s later H3 sends IPv4 (to its gateway); H2 stays silent. Ageing is 300 s.
        lab.now += 200 * Lab.SECOND;
        lab.send(3, ping(GW20_MAC, Lab.H3, 0, h3ip, H1_IP, 64));
        // A frame from H2's IP but another MAC must not refresh H2's entry.
        lab.send(3, ping(GW20_MAC, Lab.H3, 0, H2_IP, H1_IP, 64));
        lab.now += 200 * Lab.SECOND;
        lab.send(0, ping(GW10_MAC, H1, 0, H1_IP, h3ip, 64));
        assertRouted(List.of(3), 20, GW20_MAC, Lab.H3);
        lab.send(0, ping(GW10_MAC, H1, 0, H1_IP, H2_IP, 64));
        assertEquals(DropReason.NO_NEIGHBOUR, lab.verdict.drop(), "H2 was last heard 400 s ago");
    }

    @Test
    void arpSendersOutsideTheirVlansSubnetAreNotLearned() {
        int spoofed = Ipv4.parse("10.0.1.77"); // VLAN 10's subnet, claimed on VLAN 20
        lab.send(3, Frames.ethernet(Lab.BROADCAST, Lab.H3, 0, 0x0806, Frames.arp(1, Lab.H3, spoofed, 0, H2_IP)));
        lab.send(3, Frames.ethernet(Lab.BROADCAST, Lab.H3, 0, 0x0806, Frames.arp(1, Lab.H3, Lab.GW20, 0, H2_IP)));
        assertEquals(2, lab.pipeline.counter(PipelineCounter.NEIGHBOURS_REFUSED));
        lab.send(0, ping(GW10_MAC, H1, 0, H1_IP, spoofed, 64));
        assertEquals(DropReason.NO_NEIGHBOUR, lab.verdict.drop());
        assertFalse(lab.pipeline.neighbours(lab.now).stream().anyMatch(n -> n.mac() == Lab.H3));
    }

    @Test
    void nonIpFramesToTheGatewayMacAreDroppedAndTheOtherVlansGatewayIsNotReachableAtL2() {
        lab.send(0, Lab.l2(GW10_MAC, H1, 0));
        assertEquals(DropReason.TO_GATEWAY, lab.verdict.drop());
        // VLAN 20's gateway MAC is just an unknown unicast in VLAN 10: flooded in VLAN 10, never routed.
        lab.send(0, ping(GW20_MAC, H1, 0, H1_IP, H2_IP, 64));
        assertEquals(List.of(1, 4), lab.outputs());
        assertEquals(10, lab.verdict.egressVlan());
        assertFalse(lab.verdict.decrementTtl());
    }
}
