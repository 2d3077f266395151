package io.virtio4j.ovs.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.pipeline.FramePipeline;
import io.virtio4j.ovs.port.DropCounters;
import io.virtio4j.ovs.port.PortCounters;
import io.virtio4j.ovs.port.SwitchPort;
import io.virtio4j.ovs.testing.ScriptedPort;

import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;

/**
 * A receive burst that fails part way (the port throws after handing over frames): the frames
 * already switched are counted and their destination flushed before the failure reaches the PMD,
 * not left unpublished in the destination's ring until some later burst.
 */
class FrameExecutorBurstFailureTest {
    private static final FramePipeline TO_PORT_1 = ScriptedPort.pipelineTo(1);

    private static FrameExecutor executor(SwitchPort source, SwitchPort destination, PortCounters a, PortCounters b,
                                          DropCounters drops) {
        return new FrameExecutor(new SwitchPort[] {source, destination}, new PortCounters[] {a, b}, TO_PORT_1, drops);
    }

    @Test
    void framesSwitchedBeforeAPortFailureAreCountedAndFlushed() {
        CountersManager manager = VirtualSwitch.inMemoryCounters(128);
        IllegalStateException failure = new IllegalStateException("port broke mid-burst");
        ScriptedPort source = new ScriptedPort("a", 3, failure);
        ScriptedPort destination = new ScriptedPort("b", 0, null);
        try (PortCounters a = new PortCounters(manager, "a"); PortCounters b = new PortCounters(manager, "b");
             DropCounters drops = new DropCounters(manager, "drop:", DropCounters.SWITCH_TYPE_ID)) {
            FrameExecutor executor = executor(source, destination, a, b, drops);

            assertSame(failure, assertThrows(IllegalStateException.class, () -> executor.poll(0, System.nanoTime())));

            assertEquals(3, destination.transmitted);
            assertEquals(1, destination.flushes, "the destination's ring is published once for the burst");
            assertEquals(1, source.releases, "the source's buffers go back even when its receive failed");
            assertEquals(3, a.snapshot().rxFrames());
            assertEquals(180, a.snapshot().rxBytes());
            assertEquals(3, b.snapshot().txFrames());
            assertEquals(180, b.snapshot().txBytes());
        }
    }

    @Test
    void aBurstThatSucceedsCountsWhatTheReceiverSaw() {
        CountersManager manager = VirtualSwitch.inMemoryCounters(128);
        ScriptedPort source = new ScriptedPort("a", 2, null);
        ScriptedPort destination = new ScriptedPort("b", 0, null);
        try (PortCounters a = new PortCounters(manager, "a"); PortCounters b = new PortCounters(manager, "b");
             DropCounters drops = new DropCounters(manager, "drop:", DropCounters.SWITCH_TYPE_ID)) {
            FrameExecutor executor = executor(source, destination, a, b, drops);

            assertEquals(2, executor.poll(0, System.nanoTime()));
            assertEquals(1, destination.flushes);
            assertEquals(1, source.releases);
            assertEquals(2, a.snapshot().rxFrames());
            assertEquals(120, a.snapshot().rxBytes());
            assertEquals(2, b.snapshot().txFrames());
        }
    }
    @Test
    void aPipelineThatRepeatsAVerdictNobodyMadeCostsItsFramesCountedAndNothingElse() {
        // A broken pipeline: every frame, the burst's first included, "repeats the previous one".
        FramePipeline repeatsAlways = (inPort, header, headerLength, frameLength, nowNanos, verdict) -> verdict.repeatPrevious();
        CountersManager manager = VirtualSwitch.inMemoryCounters(128);
        ScriptedPort source = new ScriptedPort("a", 3, null);
        ScriptedPort destination = new ScriptedPort("b", 0, null);
        try (PortCounters a = new PortCounters(manager, "a"); PortCounters b = new PortCounters(manager, "b");
             DropCounters drops = new DropCounters(manager, "drop:", DropCounters.SWITCH_TYPE_ID)) {
            FrameExecutor executor = new FrameExecutor(new SwitchPort[] {source, destination}, new PortCounters[] {a, b},
                    repeatsAlways, drops);
            assertEquals(3, executor.poll(0, System.nanoTime()));
            assertEquals(0, destination.transmitted);
            assertEquals(3, a.drops(io.virtio4j.ovs.pipeline.DropReason.FLOW_DROP), "each frame dropped and counted");
            assertEquals(1, source.releases);
        }
    }
}
