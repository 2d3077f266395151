package io.virtio4j.ovs;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.Ipv4Prefix;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.SubnetSpec;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.packet.Checksum;
import io.virtio4j.ovs.testing.Frames;
import io.virtio4j.ovs.packet.NetworkOrder;
import io.virtio4j.ovs.pipeline.DropReason;
import io.virtio4j.ovs.testing.SwitchedGuests;
import io.virtio4j.vhostuser.testing.GuestNic;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole switch: the OVS pipeline (learning, ovs-only routing, the gateway's ARP and ICMP)
 * executed by the data path between in-process guests over real vhost-user sockets.
 * <pre>
 * port 0 h1  VLAN 10   port 1 h1b VLAN 10   port 2 h1c VLAN 10   port 3 h2 VLAN 20
 * net10 10.0.1.0/24 gateway 10.0.1.1 at 02:00:00:00:01:01, net20 10.0.2.0/24 gateway 10.0.2.1 at 02:00:00:00:02:01
 * </pre>
 */
class OvsPipelineSwitchTest {
    static final long GW10_MAC = 0x0200_0000_0101L;
    static final long GW20_MAC = 0x0200_0000_0201L;
    static final int GW10 = Ipv4.parse("10.0.1.1");
    static final int GW20 = Ipv4.parse("10.0.2.1");
    static final long H1 = 0x5254_0000_0001L;
    static final long H1B = 0x5254_0000_0002L;
    static final long H2 = 0x5254_0000_0003L;
    static final int H1_IP = Ipv4.parse("10.0.1.10");
    static final int H2_IP = Ipv4.parse("10.0.2.20");
    static final long BROADCAST = 0xffff_ffff_ffffL;

    @TempDir
    Path dir;

    private SwitchedGuests s;
    private VirtualSwitch sw;
    private List<GuestNic> guests;

    @BeforeEach
    void start() throws Exception {
        String[] names = {"h1", "h1b", "h1c", "h2"};
        int[] vlans = {10, 10, 10, 20};
        List<PortSpec> ports = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            ports.add(PortSpec.access(names[i], PortType.VHOST_USER_SERVER, dir.resolve(names[i] + ".sock").toString(), vlans[i]));
        }
        SwitchSpec spec = new SwitchSpec(L3Mode.OVS_ONLY, 1, FdbSpec.DEFAULT, ports,
                List.of(new SubnetSpec("net10", 10, Ipv4Prefix.parse("10.0.1.0/24"), GW10, GW10_MAC),
                        new SubnetSpec("net20", 20, Ipv4Prefix.parse("10.0.2.0/24"), GW20, GW20_MAC)),
                List.of(), List.of());
        s = new SwitchedGuests(VirtualSwitch.start(spec, VirtualSwitch.inMemoryCounters(1024)));
        sw = s.sw;
        guests = s.guests;
    }

    @AfterEach
    void stop() {
        if (s != null) {
            s.close();
        }
    }

    private void send(int guest, byte[] frame) {
        assertTrue(guests.get(guest).transmit(frame));
        guests.get(guest).kickTx();
    }

    /** Everything each guest received within {@code millis}, frames without the virtio-net header. */
    private List<List<byte[]>> collect(long millis) throws InterruptedException {
        List<List<byte[]>> got = new ArrayList<>();
        for (int g = 0; g < guests.size(); g++) {
            got.add(new ArrayList<>());
        }
        long end = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < end) {
            for (int g = 0; g < guests.size(); g++) {
                guests.get(g).reclaimTx();
                List<byte[]> mine = got.get(g);
                guests.get(g).receive((seg, len) -> mine.add(GuestNic.bytes(seg, GuestNic.HDR, len - GuestNic.HDR)));
            }
            Thread.sleep(1);
        }
        return got;
    }

    static byte[] l2(long dst, long src, int seq) {
        byte[] payload = new byte[46];
        payload[0] = (byte) seq;
        return Frames.ethernet(dst, src, 0, 0x88b5, payload);
    }

    static byte[] ping(long dstMac, long srcMac, int srcIp, int dstIp, int ttl) {
        return Frames.ethernet(dstMac, srcMac, 0, 0x0800, Frames.ipv4(srcIp, dstIp, ttl, 1,
                Frames.icmp(8, 0, 0x4242_0001, "ping data 0123456789".getBytes())));
    }

    @Test
    void unknownDestinationsFloodTheVlanAndLearnedOnesGoToOnePort() throws Exception {
        byte[] toUnknown = l2(H1B, H1, 1);
        send(0, toUnknown);
        List<List<byte[]>> got = collect(200);
        assertArrayEquals(toUnknown, got.get(1).get(0), "flooded to h1b");
        assertArrayEquals(toUnknown, got.get(2).get(0), "and h1c");
        assertEquals(0, got.get(3).size(), "never to VLAN 20");
        byte[] answer = l2(H1, H1B, 2);
        send(1, answer);
        got = collect(200);
        assertArrayEquals(answer, got.get(0).get(0), "H1 was learned on port 0");
        assertEquals(0, got.get(2).size(), "so h1c does not see the answer");
        assertEquals(0, got.get(3).size());
        byte[] again = l2(H1B, H1, 3);
        send(0, again);
        got = collect(200);
        assertEquals(1, got.get(1).size());
        assertEquals(0, got.get(2).size(), "H1B learned too: no more flooding");
    }

    @Test
    void theSwitchAnswersArpForTheGatewayAndRoutesAPingAcrossSubnets() throws Exception {
        // Both hosts ask for their gateway's MAC: the switch answers and learns them as neighbours.
        send(0, Frames.ethernet(BROADCAST, H1, 0, 0x0806, Frames.arp(1, H1, H1_IP, 0, GW10)));
        send(3, Frames.ethernet(BROADCAST, H2, 0, 0x0806, Frames.arp(1, H2, H2_IP, 0, GW20)));
        List<List<byte[]>> got = collect(300);
        byte[] arpReply = got.get(0).get(0);
        assertEquals(H1, Frames.mac(arpReply, 0));
        assertEquals(GW10_MAC, Frames.mac(arpReply, 6));
        MemorySegment a = MemorySegment.ofArray(arpReply);
        assertEquals(0x0806, NetworkOrder.u16(a, 12));
        assertEquals(2, NetworkOrder.u16(a, 14 + 6), "an ARP reply");
        assertEquals(GW10_MAC, Frames.mac(arpReply, 14 + 8));
        assertEquals(GW10, NetworkOrder.u32(a, 14 + 14));
        assertEquals(GW20_MAC, Frames.mac(got.get(3).get(0), 6));
        assertEquals(0, got.get(1).size() + got.get(2).size(), "a request for the gateway is answered, not flooded");

        byte[] request = ping(GW10_MAC, H1, H1_IP, H2_IP, 64);
        send(0, request);
        got = collect(300);
        assertEquals(1, got.get(3).size(), "routed to h2 only");
        byte[] routed = got.get(3).get(0);
        MemorySegment r = MemorySegment.ofArray(routed);
        assertEquals(H2, Frames.mac(routed, 0), "destination MAC from the neighbour table");
        assertEquals(GW20_MAC, Frames.mac(routed, 6), "source MAC: the egress subnet's gateway");
        assertEquals(63, NetworkOrder.u8(r, 14 + 8), "TTL decremented");
        assertTrue(Checksum.verify(r, 14, 20), "IPv4 header checksum valid after the incremental update");
        assertArrayEquals(Arrays.copyOfRange(request, 14 + 20, request.length), Arrays.copyOfRange(routed, 14 + 20, routed.length),
                "ICMP message untouched");
        assertEquals(0, got.get(0).size() + got.get(1).size() + got.get(2).size());
    }

    @Test
    void anExpiringTtlIsDroppedCountedAndAnsweredWithTimeExceeded() throws Exception {
        send(3, Frames.ethernet(BROADCAST, H2, 0, 0x0806, Frames.arp(1, H2, H2_IP, 0, GW20)));
        collect(100);
        send(0, ping(GW10_MAC, H1, H1_IP, H2_IP, 1));
        List<List<byte[]>> got = collect(300);
        assertEquals(0, got.get(3).size(), "not routed");
        assertEquals(1, got.get(0).size());
        MemorySegment r = MemorySegment.ofArray(got.get(0).get(0));
        assertEquals(GW10_MAC, Frames.mac(got.get(0).get(0), 6));
        assertEquals(11, NetworkOrder.u8(r, 34), "ICMP time exceeded");
        assertTrue(Checksum.verify(r, 14, 20));
        assertEquals(1, sw.drops(DropReason.TTL_EXPIRED));
        assertEquals(1, sw.port("h1").stats().drops().get(DropReason.TTL_EXPIRED));
    }

    @Test
    void aPingToAnUnknownSubnetIsDroppedAsNoRoute() throws Exception {
        send(0, ping(GW10_MAC, H1, H1_IP, Ipv4.parse("172.16.0.1"), 64));
        List<List<byte[]>> got = collect(200);
        assertEquals(0, got.stream().mapToInt(List::size).sum());
        assertEquals(1, sw.drops(DropReason.NO_ROUTE));
    }
}
