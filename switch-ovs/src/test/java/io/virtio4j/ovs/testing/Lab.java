package io.virtio4j.ovs.testing;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.Ipv4Prefix;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.NeighbourSpec;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.PortVlan;
import io.virtio4j.ovs.model.RouteSpec;
import io.virtio4j.ovs.model.SubnetSpec;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.testing.Frames;
import io.virtio4j.ovs.pipeline.OvsPipeline;
import io.virtio4j.ovs.pipeline.Verdict;

/**
 * The switch the pipeline tests use:
 * <pre>
 * port 0 a1 access 10   port 1 a2 access 10
 * port 2 b1 access 20   port 3 b2 access 20
 * port 4 trunk {10, 20} port 5 c1 access 30 (a VLAN without a subnet)
 * subnet net10: VLAN 10, 10.0.1.0/24, gateway 10.0.1.1 at 02:00:00:00:01:01
 * subnet net20: VLAN 20, 10.0.2.0/24, gateway 10.0.2.1 at 02:00:00:00:02:01
 * routes: 192.168.0.0/16 via 10.0.2.254, 192.168.5.0/24 via 10.0.1.254 (all VLANs)
 * static neighbours: 10.0.2.254 on VLAN 20 at 02:00:00:00:02:fe, 10.0.1.254 on VLAN 10 at 02:00:00:00:01:fe
 * </pre>
 */
public final class Lab {
    public static final long GW10_MAC = 0x0200_0000_0101L;
    public static final long GW20_MAC = 0x0200_0000_0201L;
    public static final int GW10 = Ipv4.parse("10.0.1.1");
    public static final int GW20 = Ipv4.parse("10.0.2.1");
    public static final long ROUTER10_MAC = 0x0200_0000_01feL;
    public static final long ROUTER20_MAC = 0x0200_0000_02feL;
    public static final long BROADCAST = 0xffff_ffff_ffffL;
    public static final long H1 = 0x5254_0000_0001L;
    public static final long H2 = 0x5254_0000_0002L;
    public static final long H3 = 0x5254_0000_0003L;
    public static final int H1_IP = Ipv4.parse("10.0.1.10");
    public static final int H2_IP = Ipv4.parse("10.0.2.20");
    public static final long SECOND = 1_000_000_000L;

    public final OvsPipeline pipeline;
    public final MemorySegment scratch = Frames.scratch();
    public final Verdict verdict = new Verdict();
    public long now = 1_000 * SECOND;

    public Lab(L3Mode mode) {
        this(mode, FdbSpec.DEFAULT);
    }

    public Lab(L3Mode mode, FdbSpec fdb) {
        pipeline = new OvsPipeline(spec(mode, fdb), now);
    }

    /** With OpenFlow's tables holding {@code flows} (ports numbered 1..6 in the spec's order). */
    public Lab(L3Mode mode, io.virtio4j.ovs.flow.ControllerFlows flows) {
        pipeline = new OvsPipeline(spec(mode, FdbSpec.DEFAULT), now, flows);
    }

    /** The OpenFlow numbering of this lab's ports: 1..6 in the spec's order (a1 is 1, c1 is 6). */
    public static io.virtio4j.ovs.flow.PortNumbers portNumbers() {
        return new io.virtio4j.ovs.flow.PortNumbers(spec(L3Mode.NONE, FdbSpec.DEFAULT).ports().stream()
                .map(PortSpec::name).toList());
    }

    public static SwitchSpec spec(L3Mode mode, FdbSpec fdb) {
        List<PortSpec> ports = new ArrayList<>(List.of(
                PortSpec.access("a1", PortType.IN_PROCESS, "a1", 10),
                PortSpec.access("a2", PortType.IN_PROCESS, "a2", 10),
                PortSpec.access("b1", PortType.IN_PROCESS, "b1", 20),
                PortSpec.access("b2", PortType.IN_PROCESS, "b2", 20),
                new PortSpec("trunk", PortType.IN_PROCESS, "trunk", Duration.ofSeconds(1), PortVlan.trunk(Set.of(10, 20)), 1, -1),
                PortSpec.access("c1", PortType.IN_PROCESS, "c1", 30)));
        List<SubnetSpec> subnets = List.of(
                new SubnetSpec("net10", 10, Ipv4Prefix.parse("10.0.1.0/24"), GW10, GW10_MAC),
                new SubnetSpec("net20", 20, Ipv4Prefix.parse("10.0.2.0/24"), GW20, GW20_MAC));
        List<RouteSpec> routes = List.of(
                new RouteSpec(0, Ipv4Prefix.parse("192.168.0.0/16"), Ipv4.parse("10.0.2.254")),
                new RouteSpec(0, Ipv4Prefix.parse("192.168.5.0/24"), Ipv4.parse("10.0.1.254")));
        List<NeighbourSpec> neighbours = List.of(
                new NeighbourSpec(20, Ipv4.parse("10.0.2.254"), ROUTER20_MAC),
                new NeighbourSpec(10, Ipv4.parse("10.0.1.254"), ROUTER10_MAC));
        return new SwitchSpec(mode, 1, fdb, ports, subnets, routes, neighbours);
    }

    public Verdict send(int port, byte[] frame) {
        return Frames.process(pipeline, port, frame, now, scratch, verdict);
    }

    /** The verdict's outputs as a list. */
    public List<Integer> outputs() {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < verdict.outputCount(); i++) {
            out.add(verdict.output(i));
        }
        return out;
    }

    public static byte[] l2(long dst, long src, int vlan) {
        return Frames.ethernet(dst, src, vlan, 0x88b5, new byte[46]);
    }

    public static byte[] arpRequest(long src, int srcIp, int targetIp, int vlan) {
        return Frames.ethernet(BROADCAST, src, vlan, 0x0806, Frames.arp(1, src, srcIp, 0, targetIp));
    }

    public static byte[] ping(long dstMac, long srcMac, int vlan, int srcIp, int dstIp, int ttl) {
        return Frames.ethernet(dstMac, srcMac, vlan, 0x0800, Frames.ipv4(srcIp, dstIp, ttl, 1,
                Frames.icmp(8, 0, 0x4242_0001, "ping data 0123".getBytes())));
    }
}
