package io.virtio4j.ovs.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.testing.Frames;
import io.virtio4j.ovs.testing.Lab;

/** A flood fills a {@link Verdict} of {@link Verdict#MAX_OUTPUTS}: a VLAN it cannot cover is refused up front. */
class FloodLimitTest {

    private static SwitchSpec accessPorts(int count) {
        List<PortSpec> ports = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ports.add(PortSpec.access("p" + i, PortType.IN_PROCESS, "p" + i, 10));
        }
        // One port on another VLAN: only the crowded VLAN counts.
        ports.add(PortSpec.access("other", PortType.IN_PROCESS, "other", 20));
        return new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, ports, List.of(), List.of(), List.of());
    }

    @Test
    void aVlanWhoseFloodWouldNotFitAVerdictIsRefused() {
        SwitchSpec crowded = accessPorts(Verdict.MAX_OUTPUTS + 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new OvsPipeline(crowded, 0));
        assertTrue(e.getMessage().contains("VLAN 10 has 258 ports"), e.getMessage());
    }

    @Test
    void theLargestVlanAFloodCoversReachesEveryOtherPort() {
        OvsPipeline pipeline = new OvsPipeline(accessPorts(Verdict.MAX_OUTPUTS + 1), 0);
        Verdict v = Frames.process(pipeline, 0, Lab.l2(Lab.BROADCAST, Lab.H1, 0), 0, Frames.scratch(), new Verdict());
        assertEquals(Verdict.MAX_OUTPUTS, v.outputCount());
        assertEquals(1, v.output(0));
        assertEquals(Verdict.MAX_OUTPUTS, v.output(Verdict.MAX_OUTPUTS - 1));
    }
}
