package io.virtio4j.ovs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.Ipv4Prefix;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.PortVlan;
import io.virtio4j.ovs.model.SubnetSpec;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.testing.Frames;
import io.virtio4j.ovs.testing.TcpFrames;
import io.virtio4j.ovs.testing.SwitchedGuests;
import io.virtio4j.spi.net.VirtioNetHeader;

/**
 * Offloaded frames routed by the ovs-only pipeline (MACs rewritten, TTL decremented) and moved
 * between access ports and a trunk (tag pushed or popped): the offsets in the carried-over header
 * follow the bytes, and the segments made for a guest without the offload are valid.
 * <pre>
 * port 0 h1 VLAN 10 (offloads)   port 1 h2 trunk 20 (offloads)   port 2 h3 VLAN 20 (none)   port 3 h4 VLAN 10 (offloads)
 * net10 10.0.1.0/24 gateway 10.0.1.1, net20 10.0.2.0/24 gateway 10.0.2.1
 * </pre>
 */
class OffloadRewriteTest {
    static final long GW10_MAC = 0x0200_0000_0101L;
    static final long GW20_MAC = 0x0200_0000_0201L;
    static final int GW10 = Ipv4.parse("10.0.1.1");
    static final int GW20 = Ipv4.parse("10.0.2.1");
    static final long[] MACS = {0x5254_0000_0001L, 0x5254_0000_0002L, 0x5254_0000_0003L, 0x5254_0000_0004L};
    static final int[] IPS = {Ipv4.parse("10.0.1.10"), Ipv4.parse("10.0.2.20"), Ipv4.parse("10.0.2.30"), Ipv4.parse("10.0.1.40")};
    static final long BROADCAST = 0xffff_ffff_ffffL;
    private static final int MSS = 1448;

    @TempDir
    Path dir;

    private SwitchedGuests s;

    @BeforeEach
    void start() throws Exception {
        String[] names = {"h1", "h2", "h3", "h4"};
        PortVlan[] vlans = {PortVlan.access(10), PortVlan.trunk(java.util.Set.of(20)), PortVlan.access(20), PortVlan.access(10)};
        List<PortSpec> ports = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            ports.add(new PortSpec(names[i], PortType.VHOST_USER_SERVER, dir.resolve(names[i] + ".sock").toString(),
                    java.time.Duration.ofSeconds(1), vlans[i], 1, -1));
        }
        SwitchSpec spec = new SwitchSpec(L3Mode.OVS_ONLY, 1, FdbSpec.DEFAULT, ports,
                List.of(new SubnetSpec("net10", 10, Ipv4Prefix.parse("10.0.1.0/24"), GW10, GW10_MAC),
                        new SubnetSpec("net20", 20, Ipv4Prefix.parse("10.0.2.0/24"), GW20, GW20_MAC)),
                List.of(), List.of());
        long o = OffloadSwitchTest.OFFLOADS;
        s = new SwitchedGuests(VirtualSwitch.start(spec, VirtualSwitch.inMemoryCounters(1024)),
                new long[] {o, o, OffloadSwitchTest.PLAIN, o});
        // Every host asks for its gateway: the switch learns them as neighbours.
        for (int h = 0; h < 4; h++) {
            boolean net10 = h == 0 || h == 3;
            byte[] arp = Frames.ethernet(BROADCAST, MACS[h], h == 1 ? 20 : 0, 0x0806,
                    Frames.arp(1, MACS[h], IPS[h], 0, net10 ? GW10 : GW20));
            OffloadSwitchTest.exchange(s, h, new byte[12], arp, 1);
        }
    }

    @AfterEach
    void stop() {
        if (s != null) {
            s.close();
        }
    }

    private static TcpFrames.Endpoints route(int from, int to) {
        long gateway = from == 0 || from == 3 ? GW10_MAC : GW20_MAC;
        return new TcpFrames.Endpoints(TcpFrames.mac(MACS[from]), TcpFrames.mac(gateway), IPS[from], IPS[to], 5201);
    }

    @Test
    void aSuperFrameRoutedOntoATrunkKeepsItsHeaderPointingAtTcp() throws Exception {
        byte[] sent = TcpFrames.ipv4(8 * MSS, true, route(0, 1));
        byte[] vnet = OffloadSwitchTest.header(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4, TcpFrames.V4_HEADERS,
                MSS, 34, 16);
        List<OffloadSwitchTest.Received> got = OffloadSwitchTest.exchange(s, 0, vnet, sent, 1);
        assertEquals(1, got.size());
        OffloadSwitchTest.Received r = got.getFirst();
        assertEquals(1, r.guest());
        byte[] f = r.frame();
        assertEquals(MACS[1], Frames.mac(f, 0), "destination MAC from the neighbour table");
        assertEquals(GW20_MAC, Frames.mac(f, 6));
        assertEquals(0x8100, TcpFrames.u16(f, 12));
        assertEquals(20, TcpFrames.u16(f, 14) & 0xfff, "tagged for the trunk");
        assertEquals(63, f[18 + 8], "TTL decremented");
        assertEquals(0, TcpFrames.checksum(f, 18, 20, 0), "IPv4 header checksum valid after the update");
        assertEquals(38, r.u16(VirtioNetHeader.CSUM_START), "csum_start moved by the pushed tag");
        assertEquals(TcpFrames.V4_HEADERS + 4, r.u16(VirtioNetHeader.HDR_LEN));
        assertEquals(MSS, r.u16(VirtioNetHeader.GSO_SIZE));
        assertArrayEquals(Arrays.copyOfRange(sent, 34, sent.length), Arrays.copyOfRange(f, 38, f.length),
                "TCP header and payload as the sender left them");
    }

    @Test
    void aSuperFrameRoutedToAGuestWithoutTsoArrivesInValidRewrittenSegments() throws Exception {
        int payload = 4 * MSS + 3;
        byte[] sent = TcpFrames.ipv4(payload, true, route(0, 2));
        byte[] vnet = OffloadSwitchTest.header(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4, TcpFrames.V4_HEADERS,
                MSS, 34, 16);
        List<OffloadSwitchTest.Received> got = OffloadSwitchTest.exchange(s, 0, vnet, sent, 5);
        assertEquals(5, got.size());
        for (OffloadSwitchTest.Received r : got) {
            assertEquals(2, r.guest());
            byte[] f = r.frame();
            assertEquals(MACS[2], Frames.mac(f, 0));
            assertEquals(63, f[14 + 8], "every segment keeps the decremented TTL");
            assertTrue(TcpFrames.tcpChecksumValid(f, f.length), "IPv4 and TCP checksums of each segment");
        }
    }

    @Test
    void aTaggedSuperFrameRoutedToAnAccessPortLosesItsTagAndFourBytesOfCsumStart() throws Exception {
        byte[] sent = TcpFrames.tagged(TcpFrames.ipv4(3 * MSS, true, route(1, 3)), 20);
        byte[] vnet = OffloadSwitchTest.header(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4,
                TcpFrames.V4_HEADERS + 4, MSS, 38, 16);
        List<OffloadSwitchTest.Received> got = OffloadSwitchTest.exchange(s, 1, vnet, sent, 1);
        assertEquals(1, got.size());
        OffloadSwitchTest.Received r = got.getFirst();
        assertEquals(3, r.guest());
        byte[] f = r.frame();
        assertEquals(0x0800, TcpFrames.u16(f, 12), "untagged on the access port");
        assertEquals(34, r.u16(VirtioNetHeader.CSUM_START), "csum_start moved by the popped tag");
        assertEquals(TcpFrames.V4_HEADERS, r.u16(VirtioNetHeader.HDR_LEN));
        assertEquals(63, f[14 + 8]);
        assertArrayEquals(Arrays.copyOfRange(sent, 38, sent.length), Arrays.copyOfRange(f, 34, f.length));
    }

    @Test
    void aPartialChecksumRoutedToAGuestWithoutCsumIsCompleted() throws Exception {
        byte[] sent = TcpFrames.ipv4(500, true, route(0, 2));
        List<OffloadSwitchTest.Received> got = OffloadSwitchTest.exchange(s, 0,
                OffloadSwitchTest.header(VirtioNetHeader.F_NEEDS_CSUM, 0, 0, 0, 34, 16), sent, 1);
        assertEquals(1, got.size());
        byte[] f = got.getFirst().frame();
        assertEquals(63, f[14 + 8]);
        assertTrue(TcpFrames.tcpChecksumValid(f, f.length));
    }
}
