package io.virtio4j.ovs.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.flow.Actions;
import io.virtio4j.ovs.flow.ControllerFlows;
import io.virtio4j.ovs.flow.Match;
import io.virtio4j.ovs.flow.PortNumbers;
import io.virtio4j.ovs.flow.RuleAction;
import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.pipeline.OvsPipeline;
import io.virtio4j.ovs.port.DropCounters;
import io.virtio4j.ovs.port.InProcessPort;
import io.virtio4j.ovs.port.PortCounters;
import io.virtio4j.ovs.port.SwitchPort;
import io.virtio4j.ovs.testing.ThreadMeasures;

import java.util.List;

import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;

/**
 * The OpenFlow hand-offs allocate nothing per frame: frames injected at a port (PACKET_OUT's
 * injection ring, switched as received there) meet a table-miss flow to the controller and go
 * into the PACKET_IN queue, which is drained. The executor's burst, the ring's read, the queue's
 * offer and drain, and the injection itself all run on this thread, measured by its allocated
 * bytes (the best of several rounds once the JIT has compiled them, as the other allocation tests).
 */
class OpenFlowHandOffAllocationTest {
    private static final PacketInQueue.Handler IGNORE = slot -> { };

    @Test
    void injectedFramesToTheControllerAllocateNothingPerFrame() {
        List<PortSpec> specs = List.of(PortSpec.access("a", PortType.IN_PROCESS, "a", 10),
                PortSpec.access("b", PortType.IN_PROCESS, "b", 10));
        SwitchSpec spec = new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, specs, List.of(), List.of(), List.of());
        ControllerFlows flows = new ControllerFlows(List.of(new ControllerFlows.Rule("miss", 0, 0, ControllerFlows.Rule.ANY_PORT,
                Match.all(), List.of(new RuleAction.ToController(0xffff, 0)))), new PortNumbers(List.of("a", "b")));
        CountersManager manager = VirtualSwitch.inMemoryCounters(128);
        CaptureHooks hooks = new CaptureHooks();
        InProcessPort a = new InProcessPort(specs.get(0));
        InProcessPort b = new InProcessPort(specs.get(1));
        try (a; b; PortCounters ca = new PortCounters(manager, "a"); PortCounters cb = new PortCounters(manager, "b");
             DropCounters drops = new DropCounters(manager, "drop:", DropCounters.SWITCH_TYPE_ID)) {
            FrameExecutor executor = new FrameExecutor(new SwitchPort[] {a, b}, specs.toArray(PortSpec[]::new),
                    new PortCounters[] {ca, cb}, new OvsPipeline(spec, System.nanoTime(), flows), drops, hooks);
            InjectionRing ring = hooks.slot("a").injection();
            PacketInQueue queue = hooks.packetIns();
            byte[] frame = new byte[64];
            frame[0] = 2;
            frame[5] = 0x0b;
            frame[6] = 2;
            frame[11] = 0x0a;
            frame[12] = (byte) 0x88;
            frame[13] = (byte) 0xb5;
            Thread self = Thread.currentThread();
            long best = Long.MAX_VALUE;
            long sent = 0;
            for (int round = 0; round < 8; round++) {
                long before = ThreadMeasures.allocatedBytes(self);
                for (int i = 0; i < 50_000; i++) {
                    assertTrue(ring.offer(InjectionRing.RECEIVE, frame));
                    executor.poll(0, System.nanoTime());
                    sent += queue.drain(IGNORE);
                }
                best = Math.min(best, ThreadMeasures.allocatedBytes(self) - before);
            }
            assertEquals(8 * 50_000L, sent, "every injected frame reached the PACKET_IN queue");
            assertEquals(0, queue.dropped());
            assertTrue(best < 500, "best round: " + best + " bytes allocated for 50,000 frames");
        }
    }

    /**
     * The actions Faucet uses allocate nothing per frame either: a flow on a field outside the
     * cache key (every frame translated), write-metadata and goto, then set_field ipv4_dst,
     * push_vlan, set_field vlan_pcp, an output to a trunk, pop_vlan and an output to an access port: two copies per
     * frame, each with its own head. The copies are taken off both ports without allocating.
     */
    @Test
    void severalOutputsWithPushAndPopAllocateNothingPerFrame() throws Exception {
        List<PortSpec> specs = List.of(PortSpec.access("a", PortType.IN_PROCESS, "a", 10),
                new PortSpec("b", PortType.IN_PROCESS, "b", java.time.Duration.ofSeconds(1),
                        io.virtio4j.ovs.model.PortVlan.trunk(java.util.Set.of(10)), 1, -1),
                PortSpec.access("c", PortType.IN_PROCESS, "c", 10));
        SwitchSpec spec = new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, specs, List.of(), List.of(), List.of());
        Match udp5001 = Match.all().withEthType(0x0800).withIpProto(17).withTp(false, 5001);
        ControllerFlows flows = new ControllerFlows(List.of(
                new ControllerFlows.Rule("t0", 0, 10, ControllerFlows.Rule.ANY_PORT, udp5001, List.of(
                        new RuleAction.Apply(new Actions.WriteMetadata(7, 0xff)), new RuleAction.ToTable(1))),
                new ControllerFlows.Rule("t1", 1, 10, ControllerFlows.Rule.ANY_PORT, Match.all().withMetadata(7, 0xff), List.of(
                        new RuleAction.Apply(new Actions.SetIpv4(false, 0x0a00_0009)),
                        new RuleAction.Apply(Actions.VlanTag.PUSH), new RuleAction.Apply(new Actions.SetVlanPcp(3)),
                        new RuleAction.ToPort(2), new RuleAction.Apply(Actions.VlanTag.POP), new RuleAction.ToPort(3)))),
                new PortNumbers(List.of("a", "b", "c")));
        CountersManager manager = VirtualSwitch.inMemoryCounters(128);
        CaptureHooks hooks = new CaptureHooks();
        InProcessPort a = new InProcessPort(specs.get(0));
        InProcessPort b = new InProcessPort(specs.get(1));
        InProcessPort c = new InProcessPort(specs.get(2));
        try (a; b; c; PortCounters ca = new PortCounters(manager, "a"); PortCounters cb = new PortCounters(manager, "b");
             PortCounters cc = new PortCounters(manager, "c");
             DropCounters drops = new DropCounters(manager, "drop:", DropCounters.SWITCH_TYPE_ID)) {
            OvsPipeline pipeline = new OvsPipeline(spec, System.nanoTime(), flows);
            FrameExecutor executor = new FrameExecutor(new SwitchPort[] {a, b, c}, specs.toArray(PortSpec[]::new),
                    new PortCounters[] {ca, cb, cc}, pipeline, drops, hooks);
            InjectionRing ring = hooks.slot("a").injection();
            byte[] frame = io.virtio4j.ovs.testing.Frames.ethernet(0x0200_0000_000bL, 0x0200_0000_000aL, 0, 0x0800,
                    io.virtio4j.ovs.testing.Frames.ipv4(0x0a00_0001, 0x0a00_0002, 64, 17,
                            io.virtio4j.ovs.testing.Frames.udp(5000, 5001, new byte[18])));
            Thread self = Thread.currentThread();
            long best = Long.MAX_VALUE;
            long toB = 0;
            long toC = 0;
            for (int round = 0; round < 8; round++) {
                long before = ThreadMeasures.allocatedBytes(self);
                for (int i = 0; i < 50_000; i++) {
                    assertTrue(ring.offer(InjectionRing.RECEIVE, frame));
                    executor.poll(0, System.nanoTime());
                    toB += b.skip(4);
                    toC += c.skip(4);
                }
                best = Math.min(best, ThreadMeasures.allocatedBytes(self) - before);
            }
            assertEquals(8 * 50_000L, toB, "every frame reached the trunk");
            assertEquals(8 * 50_000L, toC, "every frame reached the access port");
            assertEquals(0, pipeline.counter(io.virtio4j.ovs.pipeline.PipelineCounter.EMC_HITS), "udp_dst bypasses the cache");
            assertTrue(best < 500, "best round: " + best + " bytes allocated for 50,000 frames");
            // And the copies are what the flow says: to 10.0.0.9 (the header checksum as computed from
            // scratch; the UDP datagram has none), tagged with priority 3 to the trunk, untagged to c.
            assertTrue(ring.offer(InjectionRing.RECEIVE, frame));
            executor.poll(0, System.nanoTime());
            frame = io.virtio4j.ovs.testing.Frames.ethernet(0x0200_0000_000bL, 0x0200_0000_000aL, 0, 0x0800,
                    io.virtio4j.ovs.testing.Frames.ipv4(0x0a00_0001, 0x0a00_0009, 64, 17,
                            io.virtio4j.ovs.testing.Frames.udp(5000, 5001, new byte[18])));
            byte[] tagged = new byte[frame.length + 4];
            System.arraycopy(frame, 0, tagged, 0, 12);
            tagged[12] = (byte) 0x81;
            tagged[14] = 3 << 5;
            tagged[15] = 10;
            System.arraycopy(frame, 12, tagged, 16, frame.length - 12);
            org.junit.jupiter.api.Assertions.assertArrayEquals(tagged, b.take());
            org.junit.jupiter.api.Assertions.assertArrayEquals(frame, c.take());
        }
    }
}
