package io.virtio4j.ovs.gateway;

import static io.virtio4j.tap.testing.Frames.ETH;
import static io.virtio4j.tap.testing.Frames.ETHERTYPE_ARP;
import static io.virtio4j.tap.testing.Frames.ETHERTYPE_IPV4;
import static io.virtio4j.tap.testing.Frames.L4;
import static io.virtio4j.tap.testing.Frames.PROTO_ICMP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.Ipv4Prefix;
import io.virtio4j.ovs.model.SubnetSpec;
import io.virtio4j.spi.net.MacAddress;
import io.virtio4j.tap.testing.Frames;
import io.virtio4j.tap.testing.NetNs;
import io.virtio4j.tap.testing.TapFixture;
import io.virtio4j.testing.Prerequisites;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The kernel half of ipforward without the switch: frames written on one gateway NIC's fd come
 * out of the other's routed (TTL decremented, the gateway's MAC as source), with this test
 * playing both hosts, ARP answers included.
 */
class GatewayNamespaceTest {
    private static final SubnetSpec OFFICE = new SubnetSpec("office", 10, Ipv4Prefix.parse("10.77.1.0/24"),
            Ipv4.parse("10.77.1.1"), MacAddress.parse("02:00:00:77:01:01"));
    private static final SubnetSpec LAB = new SubnetSpec("lab", 20, Ipv4Prefix.parse("10.77.2.0/24"),
            Ipv4.parse("10.77.2.1"), MacAddress.parse("02:00:00:77:02:01"));
    private static final int HOST_A = Ipv4.parse("10.77.1.10");
    private static final long HOST_A_MAC = MacAddress.parse("02:aa:00:00:00:0a");
    private static final int HOST_B = Ipv4.parse("10.77.2.20");
    private static final long HOST_B_MAC = MacAddress.parse("02:bb:00:00:00:14");
    private static final int ICMP_ECHO_REPLY = 0;
    private static final int ICMP_ECHO_REQUEST = 8;
    private static final int ICMP_BYTES = 8 + 32;
    private static final int ARP_FRAME = ETH + 28;

    private static String uniqueName() {
        return "v4jgwtest-" + ProcessHandle.current().pid();
    }

    private static void requireRootAndTools() {
        Prerequisites.requireRoot();
        Prerequisites.requirePath("/dev/net/tun", "the TUN/TAP device");
        Prerequisites.requireExecutable("ip", "apt-get install iproute2");
    }

    @Test
    void routesAPingBetweenTwoSubnetsThroughTheFdsWeHold() throws IOException {
        requireRootAndTools();
        String hostForwarding = Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).strip();
        TapFixture.warmUp(); // JNA, FFM and the process reaper open their lifetime fds now, not mid-count
        java.util.SortedMap<Integer, String> fdsBefore = TapFixture.openFds();
        String name = uniqueName();
        try (GatewayNamespace gw = GatewayNamespace.create(name, List.of(OFFICE, LAB));
             TapFrames a = new TapFrames(gw.ports().get(0).tap());
             TapFrames b = new TapFrames(gw.ports().get(1).tap());
             Arena arena = Arena.ofConfined()) {
            assertEquals(List.of("gw0-office", "gw1-lab"), gw.ports().stream().map(GatewayPort::ifname).toList());
            assertEquals("1", NetNs.host("ip", "netns", "exec", name, "sysctl", "-n", "net.ipv4.ip_forward").strip());
            String links = NetNs.host("ip", "-n", name, "-br", "link");
            assertTrue(links.contains("gw0-office") && links.contains("02:00:00:77:01:01"), links);
            String addresses = NetNs.host("ip", "-n", name, "-br", "addr");
            assertTrue(addresses.contains("10.77.1.1/24") && addresses.contains("10.77.2.1/24"), addresses);

            // Host A pings host B: the frame goes to A's gateway MAC.
            MemorySegment request = arena.allocate(TapFrames.CAPACITY);
            int length = icmp(request, OFFICE.gatewayMac(), HOST_A_MAC, HOST_A, HOST_B, ICMP_ECHO_REQUEST, 1);
            a.write(request, length);
            MemorySegment routed = awaitIcmp(new TapFrames[] {a, b}, 1, ICMP_ECHO_REQUEST, arena);
            assertRouted(routed, LAB.gatewayMac(), HOST_B_MAC, HOST_A, HOST_B, ICMP_ECHO_REQUEST, 1);

            // Host B answers: the reply goes back through the namespace to host A.
            MemorySegment reply = arena.allocate(TapFrames.CAPACITY);
            length = icmp(reply, LAB.gatewayMac(), HOST_B_MAC, HOST_B, HOST_A, ICMP_ECHO_REPLY, 1);
            b.write(reply, length);
            MemorySegment back = awaitIcmp(new TapFrames[] {a, b}, 0, ICMP_ECHO_REPLY, arena);
            assertRouted(back, OFFICE.gatewayMac(), HOST_A_MAC, HOST_B, HOST_A, ICMP_ECHO_REPLY, 1);
        }
        assertFalse(GatewayNamespace.exists(name), "close deletes the namespace");
        assertEquals(hostForwarding, Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).strip(),
                "forwarding is switched on in the gateway namespace only");
        assertEquals(fdsBefore, TapFixture.openFds(), "the TAP fds are closed and nothing else leaked");
    }

    @Test
    void anExistingNamespaceIsNotTakenOver() {
        requireRootAndTools();
        String name = uniqueName() + "-x";
        NetNs.host("ip", "netns", "add", name);
        try {
            GatewayException e = assertThrows(GatewayException.class, () -> GatewayNamespace.create(name, List.of(OFFICE)));
            assertEquals("network namespace " + name + " exists already (left by a switch that crashed?); delete it with: ip netns delete "
                    + name, e.getMessage());
            GatewayNamespace.deleteStale(name);
            assertFalse(GatewayNamespace.exists(name));
        } finally {
            if (GatewayNamespace.exists(name)) {
                NetNs.host("ip", "netns", "delete", name);
            }
        }
    }

    @Test
    void withoutNetAdminItSaysSo() {
        GatewayException e = assertThrows(GatewayException.class,
                () -> GatewayNamespace.create("v4j-gw", List.of(OFFICE), () -> false));
        assertTrue(e.getMessage().startsWith("l3 = ipforward needs CAP_NET_ADMIN to create the gateway namespace v4j-gw"),
                e.getMessage());
        assertFalse(GatewayNamespace.exists("v4j-gw"));
    }

    @Test
    void refusesBadNamesAndNoSubnets() {
        assertThrows(GatewayException.class, () -> GatewayNamespace.create("../etc", List.of(OFFICE), () -> true));
        GatewayException none = assertThrows(GatewayException.class, () -> GatewayNamespace.create("gw", List.of(), () -> true));
        assertTrue(none.getMessage().contains("needs at least one subnet"), none.getMessage());
    }

    @Test
    void readsCapNetAdminFromTheEffectiveSet() {
        assertTrue(NetAdminCapability.held("Name:\tjava\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\n"));
        assertFalse(NetAdminCapability.held("CapPrm:\t0000000000001000\nCapEff:\t0000000000000400\n"));
        assertTrue(NetAdminCapability.held("CapEff:\t0000000000001000\n"));
        assertFalse(NetAdminCapability.held("no such line"));
    }

    /** Polls every NIC, answering the gateway's ARP requests for our hosts, until an ICMP {@code type} frame leaves NIC {@code want}. */
    private static MemorySegment awaitIcmp(TapFrames[] nics, int want, int type, Arena arena) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        MemorySegment answer = arena.allocate(ARP_FRAME);
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < nics.length; i++) {
                int length = nics[i].poll();
                if (length < 0) {
                    continue;
                }
                MemorySegment f = nics[i].frame();
                int etherType = Frames.u16(f, 12);
                if (etherType == ETHERTYPE_ARP && length >= ARP_FRAME && Frames.u16(f, ETH + 6) == 1) {
                    int target = Frames.u32(f, ETH + 24);
                    long asker = MacAddress.of(f.asSlice(ETH + 8, 6).toArray(ValueLayout.JAVA_BYTE), 0);
                    int askerIp = Frames.u32(f, ETH + 14);
                    long mac = target == HOST_A && i == 0 ? HOST_A_MAC : target == HOST_B && i == 1 ? HOST_B_MAC : 0;
                    if (mac != 0) {
                        nics[i].write(answer, arpReply(answer, mac, target, asker, askerIp));
                    }
                } else if (i == want && etherType == ETHERTYPE_IPV4 && length >= L4 + ICMP_BYTES
                        && Frames.u8(f, ETH + 9) == PROTO_ICMP && Frames.u8(f, L4) == type) {
                    return arena.allocate(length).copyFrom(f.asSlice(0, length));
                }
            }
        }
        throw new AssertionError("no ICMP type " + type + " frame left gateway NIC " + want + " within 10 s");
    }

    private static void assertRouted(MemorySegment f, long srcMac, long dstMac, int srcIp, int dstIp, int type, int seq) {
        assertNotNull(f);
        assertEquals(MacAddress.format(dstMac), MacAddress.format(mac(f, 0)), "destination MAC: the next host, from ARP");
        assertEquals(MacAddress.format(srcMac), MacAddress.format(mac(f, 6)), "source MAC: the egress gateway's");
        assertEquals(63, Frames.u8(f, ETH + 8), "TTL decremented once");
        assertTrue(Frames.ipv4ChecksumValid(f), "IPv4 header checksum still valid after the TTL change");
        assertEquals(srcIp, Frames.u32(f, ETH + 12));
        assertEquals(dstIp, Frames.u32(f, ETH + 16));
        assertEquals(type, Frames.u8(f, L4));
        assertEquals(seq, Frames.u16(f, L4 + 6));
        assertEquals(0xffff, Frames.sum(f, L4, ICMP_BYTES, 0), "ICMP checksum intact");
        assertTrue(Frames.payloadMatches(f, L4 + 8, ICMP_BYTES - 8, seq), "payload intact");
    }

    /** An Ethernet/IPv4/ICMP echo frame with valid checksums; returns its length. */
    private static int icmp(MemorySegment f, long dstMac, long srcMac, int src, int dst, int type, int seq) {
        Frames.ethernet(f, bytes(dstMac), bytes(srcMac), ETHERTYPE_IPV4);
        Frames.ipv4Header(f, PROTO_ICMP, src, dst, ICMP_BYTES, seq);
        f.set(ValueLayout.JAVA_BYTE, L4, (byte) type);
        f.set(ValueLayout.JAVA_BYTE, L4 + 1, (byte) 0);
        Frames.u16(f, L4 + 2, 0);
        Frames.u16(f, L4 + 4, 0x7634);
        Frames.u16(f, L4 + 6, seq);
        Frames.payload(f, L4 + 8, ICMP_BYTES - 8, seq);
        Frames.u16(f, L4 + 2, ~Frames.sum(f, L4, ICMP_BYTES, 0) & 0xffff);
        return L4 + ICMP_BYTES;
    }

    /** An ARP reply: {@code ip} is at {@code mac}, to the asker. */
    private static int arpReply(MemorySegment f, long mac, int ip, long askerMac, int askerIp) {
        Frames.ethernet(f, bytes(askerMac), bytes(mac), ETHERTYPE_ARP);
        Frames.u16(f, ETH, 1);            // Ethernet
        Frames.u16(f, ETH + 2, ETHERTYPE_IPV4);
        f.set(ValueLayout.JAVA_BYTE, ETH + 4, (byte) 6);
        f.set(ValueLayout.JAVA_BYTE, ETH + 5, (byte) 4);
        Frames.u16(f, ETH + 6, 2);        // reply
        MemorySegment.copy(bytes(mac), 0, f, ValueLayout.JAVA_BYTE, ETH + 8, 6);
        Frames.u32(f, ETH + 14, ip);
        MemorySegment.copy(bytes(askerMac), 0, f, ValueLayout.JAVA_BYTE, ETH + 18, 6);
        Frames.u32(f, ETH + 24, askerIp);
        return ARP_FRAME;
    }

    private static long mac(MemorySegment f, long offset) {
        return MacAddress.of(f.asSlice(offset, 6).toArray(ValueLayout.JAVA_BYTE), 0);
    }

    private static byte[] bytes(long mac) {
        byte[] b = new byte[6];
        MacAddress.write(mac, b, 0);
        return b;
    }
}
