package io.virtio4j.ovs;

import java.util.List;

import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.pipeline.DropReason;
import io.virtio4j.ovs.pipeline.OvsPipeline;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19 item 4: a flood whose VLAN has no port but the ingress one reaches nobody; each such
 * frame is counted as a FLOOD_NO_PORT drop at the ingress port and switch-wide, so received
 * frames always add up to sent plus dropped.
 */
class FloodNoPortTest {
    private static final int FRAMES = 50;

    private static VirtualSwitch start(PortSpec... ports) {
        SwitchSpec spec = new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, List.of(ports), List.of(), List.of(), List.of());
        return VirtualSwitch.builder(spec).pipeline(new OvsPipeline(spec, System.nanoTime())).start();
    }

    /** Unknown-destination frames into {@code port}; waits until the switch has counted them all as dropped. */
    private static void sendUnknown(VirtualSwitch sw, String port) throws InterruptedException {
        for (int i = 0; i < FRAMES; i++) {
            while (!sw.inProcessPort(port).inject(InProcessSwitchTest.udpFrame(100, i))) {
                Thread.sleep(1);
            }
        }
        InProcessSwitchTest.awaitDrops(sw, DropReason.FLOOD_NO_PORT, FRAMES);
    }

    @Test
    void aFloodOnAVlanWithOnlyTheIngressPortIsCountedAsADrop() throws Exception {
        try (VirtualSwitch sw = start(InProcessSwitchTest.access("a", 10), InProcessSwitchTest.access("b", 20))) {
            sendUnknown(sw, "a");
            assertEquals(FRAMES, sw.drops(DropReason.FLOOD_NO_PORT), "switch-wide");
            assertEquals(FRAMES, sw.port("a").stats().drops().get(DropReason.FLOOD_NO_PORT), "at the ingress port");
            assertEquals(FRAMES, sw.port("a").stats().rxFrames());
            assertEquals(0, sw.port("b").stats().txFrames());
            assertEquals(0, sw.port("b").stats().drops().get(DropReason.FLOOD_NO_PORT));
            assertNull(sw.inProcessPort("b").take(), "VLAN 20 never sees VLAN 10's flood");
            assertEquals(FRAMES, ((OvsPipeline) sw.pipeline()).drops(DropReason.FLOOD_NO_PORT), "the pipeline's drops table");
            assertEquals(0, sw.pmdErrors());
        }
    }

    @Test
    void aSwitchWithOnePortCountsEveryFloodedFrame() throws Exception {
        try (VirtualSwitch sw = start(InProcessSwitchTest.access("only", 10))) {
            sendUnknown(sw, "only");
            assertEquals(FRAMES, sw.drops(DropReason.FLOOD_NO_PORT));
            assertEquals(FRAMES, sw.port("only").stats().drops().get(DropReason.FLOOD_NO_PORT));
            assertEquals(0, sw.port("only").stats().txFrames());
        }
    }

    @Test
    void aFloodThatReachesAPortIsNotADrop() throws Exception {
        try (VirtualSwitch sw = start(InProcessSwitchTest.access("a", 10), InProcessSwitchTest.access("b", 10))) {
            assertTrue(sw.inProcessPort("a").inject(InProcessSwitchTest.udpFrame(100, 1)));
            InProcessSwitchTest.await(sw.inProcessPort("b"));
            assertEquals(0, sw.drops(DropReason.FLOOD_NO_PORT));
        }
    }
}
