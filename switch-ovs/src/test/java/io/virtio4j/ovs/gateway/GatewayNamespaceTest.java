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
import io.virtio4j.ovs.model.NeighbourSpec;
import io.virtio4j.ovs.model.RouteSpec;
import io.virtio4j.ovs.model.SubnetSpec;
import io.virtio4j.ovs.testing.TapFrames;
import io.virtio4j.spi.net.MacAddress;
import io.virtio4j.tap.testing.Frames;
import io.virtio4j.tap.testing.NetNs;
import io.virtio4j.tap.testing.TapFixture;
import io.virtio4j.testing.NeedsKernel;
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
@NeedsKernel
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
    private static final int ARP_REQUEST = 1;
    private static final int ARP_REPLY = 2;
    private static final int ICMP_UNREACHABLE = 3;
    private static final long ROUTER_LAB_MAC = MacAddress.parse("02:cc:00:00:02:fe");
    private static final long ROUTER_OFFICE_MAC = MacAddress.parse("02:cc:00:00:01:fe");

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
    void staticRoutesAndNeighboursRouteAsConfiguredPerIngressVlan() {
        requireRootAndTools();
        try (GatewayNamespace gw = GatewayNamespace.create(uniqueName() + "-r", List.of(OFFICE, LAB));
             TapFrames a = new TapFrames(gw.ports().get(0).tap());
             TapFrames b = new TapFrames(gw.ports().get(1).tap());
             Arena arena = Arena.ofConfined()) {
            gw.install(List.of(
                            new RouteSpec(0, Ipv4Prefix.parse("192.168.50.0/24"), Ipv4.parse("10.77.2.254")),
                            new RouteSpec(20, Ipv4Prefix.parse("172.16.0.0/16"), Ipv4.parse("10.77.1.254"))),
                    List.of(new NeighbourSpec(20, Ipv4.parse("10.77.2.254"), ROUTER_LAB_MAC),
                            new NeighbourSpec(10, Ipv4.parse("10.77.1.254"), ROUTER_OFFICE_MAC)));
            String rules = NetNs.host("ip", "-n", gw.name(), "rule");
            assertTrue(rules.contains("iif gw1-lab lookup 1020"), rules);
            TapFrames[] nics = {a, b};
            MemorySegment frame = arena.allocate(TapFrames.CAPACITY);

            // A route for every VLAN, to a router whose MAC is a static neighbour: no ARP for it.
            int behindLab = Ipv4.parse("192.168.50.7");
            a.write(frame, icmp(frame, OFFICE.gatewayMac(), HOST_A_MAC, HOST_A, behindLab, ICMP_ECHO_REQUEST, 2));
            assertRouted(awaitIcmp(nics, 1, ICMP_ECHO_REQUEST, arena), LAB.gatewayMac(), ROUTER_LAB_MAC, HOST_A, behindLab,
                    ICMP_ECHO_REQUEST, 2);

            // The 172.16/16 route is for traffic entering on VLAN 20 only: from the lab it is routed...
            int partner = Ipv4.parse("172.16.0.1");
            b.write(frame, icmp(frame, LAB.gatewayMac(), HOST_B_MAC, HOST_B, partner, ICMP_ECHO_REQUEST, 3));
            assertRouted(awaitIcmp(nics, 0, ICMP_ECHO_REQUEST, arena), OFFICE.gatewayMac(), ROUTER_OFFICE_MAC, HOST_B, partner,
                    ICMP_ECHO_REQUEST, 3);
            // ...from the office there is no route: the gateway answers "network unreachable".
            a.write(frame, icmp(frame, OFFICE.gatewayMac(), HOST_A_MAC, HOST_A, partner, ICMP_ECHO_REQUEST, 4));
            MemorySegment unreachable = awaitIcmp(nics, 0, ICMP_UNREACHABLE, arena);
            assertEquals(OFFICE.gateway(), Frames.u32(unreachable, ETH + 12), "sent by the office gateway");
            assertEquals(HOST_A, Frames.u32(unreachable, ETH + 16));
            assertEquals(0, Frames.u8(unreachable, L4 + 1), "code 0: network unreachable");
        }
    }

    @Test
    void eachNicAnswersArpOnlyForItsOwnGateway() {
        requireRootAndTools();
        try (GatewayNamespace gw = GatewayNamespace.create(uniqueName() + "-a", List.of(OFFICE, LAB));
             TapFrames a = new TapFrames(gw.ports().get(0).tap());
             Arena arena = Arena.ofConfined()) {
            MemorySegment frame = arena.allocate(ARP_FRAME);
            a.write(frame, arp(frame, ARP_REQUEST, MacAddress.BROADCAST, HOST_A_MAC, HOST_A, 0, OFFICE.gateway()));
            MemorySegment reply = awaitArpReply(a, 5000, arena);
            assertNotNull(reply, "the office gateway answers ARP on the office NIC");
            assertEquals(MacAddress.format(OFFICE.gatewayMac()), MacAddress.format(mac(reply, ETH + 8)));
            assertEquals(OFFICE.gateway(), Frames.u32(reply, ETH + 14));

            a.write(frame, arp(frame, ARP_REQUEST, MacAddress.BROADCAST, HOST_A_MAC, HOST_A, 0, LAB.gateway()));
            assertEquals(null, awaitArpReply(a, 500, arena), "the lab gateway's address is not answered on the office NIC");
        }
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
        return arp(f, ARP_REPLY, askerMac, mac, ip, askerMac, askerIp);
    }

    /** An ARP frame of {@code op} from {@code senderMac}/{@code senderIp} about {@code targetIp}, sent to {@code ethDst}. */
    private static int arp(MemorySegment f, int op, long ethDst, long senderMac, int senderIp, long targetMac, int targetIp) {
        Frames.ethernet(f, bytes(ethDst), bytes(senderMac), ETHERTYPE_ARP);
        Frames.u16(f, ETH, 1);            // Ethernet
        Frames.u16(f, ETH + 2, ETHERTYPE_IPV4);
        f.set(ValueLayout.JAVA_BYTE, ETH + 4, (byte) 6);
        f.set(ValueLayout.JAVA_BYTE, ETH + 5, (byte) 4);
        Frames.u16(f, ETH + 6, op);
        MemorySegment.copy(bytes(senderMac), 0, f, ValueLayout.JAVA_BYTE, ETH + 8, 6);
        Frames.u32(f, ETH + 14, senderIp);
        MemorySegment.copy(bytes(targetMac), 0, f, ValueLayout.JAVA_BYTE, ETH + 18, 6);
        Frames.u32(f, ETH + 24, targetIp);
        return ARP_FRAME;
    }

    /** The first ARP reply on {@code nic} within {@code millis}, or null. */
    private static MemorySegment awaitArpReply(TapFrames nic, long millis, Arena arena) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < deadline) {
            int length = nic.poll();
            if (length >= ARP_FRAME && Frames.u16(nic.frame(), 12) == ETHERTYPE_ARP && Frames.u16(nic.frame(), ETH + 6) == ARP_REPLY) {
                return arena.allocate(length).copyFrom(nic.frame().asSlice(0, length));
            }
        }
        return null;
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
