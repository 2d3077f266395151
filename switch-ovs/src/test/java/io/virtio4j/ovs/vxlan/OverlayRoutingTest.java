package io.virtio4j.ovs.vxlan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.l3.NeighbourEntry;
import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.Ipv4Prefix;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.SubnetSpec;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.model.VxlanSpec;
import io.virtio4j.ovs.testing.Frames;
import io.virtio4j.ovs.pipeline.OvsPipeline;
import io.virtio4j.ovs.port.InProcessPort;

import org.junit.jupiter.api.Test;

/**
 * ovs-only routing across the overlay: switch A routes VLAN 10 (10.0.1.0/24) to VLAN 20
 * (10.0.2.0/24), whose host sits behind switch B on the far end of a VXLAN tunnel (loopback
 * underlay). The host ARPs for its gateway: the request crosses VNI 5020 to A, whose gateway
 * answers back over the tunnel and learns the host as a neighbour (ovs-only learns neighbours from
 * the ARP it sees); then the guest's echo request is routed to the host over the tunnel, with the
 * gateway's MAC as source and its TTL decremented.
 */
class OverlayRoutingTest {
    private static final long GUEST = 0x02_00_00_00_0a_0aL;
    private static final long HOST = 0x02_00_00_00_0b_0bL;
    private static final long GW10 = 0x02_00_00_00_01_01L;
    private static final long GW20 = 0x02_00_00_00_02_01L;

    private final String net = "127." + (ProcessHandle.current().pid() % 200 + 20) + "." + (int) (Math.random() * 250) + ".";

    private static SwitchSpec spec(String local, String remote, L3Mode l3, PortSpec guest, List<SubnetSpec> subnets) {
        VxlanSpec vx = new VxlanSpec(Ipv4.parse(local), 4789, Map.of(10, 5010, 20, 5020), List.of(Ipv4.parse(remote)), 1500);
        return new SwitchSpec(l3, 1, FdbSpec.DEFAULT, List.of(PortSpec.vxlan("vx", vx, -1), guest), subnets, List.of(), List.of());
    }

    private static byte[] await(InProcessPort port, int ethertype) throws InterruptedException {
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (System.nanoTime() < deadline) {
            byte[] f = port.take();
            if (f != null && ((f[12] & 0xff) << 8 | (f[13] & 0xff)) == ethertype) {
                return f;
            }
            if (f == null) {
                Thread.sleep(1);
            }
        }
        return null;
    }

    @Test
    void aRouteLeadsOverTheTunnelToAHostBehindTheOtherSwitch() throws Exception {
        int guestIp = Ipv4.parse("10.0.1.10");
        int hostIp = Ipv4.parse("10.0.2.20");
        List<SubnetSpec> subnets = List.of(
                new SubnetSpec("s10", 10, Ipv4Prefix.parse("10.0.1.0/24"), Ipv4.parse("10.0.1.1"), GW10),
                new SubnetSpec("s20", 20, Ipv4Prefix.parse("10.0.2.0/24"), Ipv4.parse("10.0.2.1"), GW20));
        SwitchSpec a = spec(net + "1", net + "2", L3Mode.OVS_ONLY, PortSpec.access("g", PortType.IN_PROCESS, "g", 10), subnets);
        SwitchSpec b = spec(net + "2", net + "1", L3Mode.NONE, PortSpec.access("h", PortType.IN_PROCESS, "h", 20), List.of());
        OvsPipeline routing = new OvsPipeline(a, System.nanoTime());
        try (VirtualSwitch swA = VirtualSwitch.builder(a).pipeline(routing).start();
             VirtualSwitch swB = VirtualSwitch.builder(b).pipeline(new OvsPipeline(b, System.nanoTime())).start()) {
            InProcessPort guest = swA.inProcessPort("g");
            InProcessPort host = swB.inProcessPort("h");
            byte[] echo = Frames.ethernet(GW10, GUEST, 0, 0x0800,
                    Frames.ipv4(guestIp, hostIp, 64, 1, Frames.icmp(8, 0, 0x1234_0001, new byte[32])));
            assertTrue(host.inject(Frames.ethernet(0xffff_ffff_ffffL, HOST, 0, 0x0806,
                    Frames.arp(1, HOST, hostIp, 0, Ipv4.parse("10.0.2.1")))));
            byte[] reply = await(host, 0x0806);
            assertNotNull(reply, "the gateway's ARP reply came back over the tunnel");
            assertEquals(HOST, Frames.mac(reply, 0));
            assertEquals(GW20, Frames.mac(reply, 6), "from the VLAN-20 gateway");

            long deadline = System.nanoTime() + 3_000_000_000L;
            while (routing.neighbours().stream().noneMatch(n -> n.ip() == hostIp) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            NeighbourEntry learned = routing.neighbours().stream().filter(n -> n.ip() == hostIp).findFirst().orElse(null);
            assertNotNull(learned, "the host became a neighbour, learned through the tunnel: " + routing.neighbours());
            assertEquals(HOST, learned.mac());

            byte[] routed = null;
            for (int i = 0; i < 5 && routed == null; i++) {
                assertTrue(guest.inject(echo));
                routed = await(host, 0x0800);
            }
            assertNotNull(routed, "the echo request was routed over the tunnel to the host");
            assertEquals(HOST, Frames.mac(routed, 0));
            assertEquals(GW20, Frames.mac(routed, 6), "from the VLAN-20 gateway's MAC");
            assertEquals(63, routed[14 + 8] & 0xff, "TTL decremented once");
            assertTrue(swA.vxlanPort("vx").remoteMacs().stream().anyMatch(e -> e.mac() == HOST && e.vlan() == 20),
                    "A's tunnel port placed the host behind B");
        }
    }
}
