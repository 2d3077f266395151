package io.virtio4j.ovs.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.ovs.VirtualSwitch;
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
}
