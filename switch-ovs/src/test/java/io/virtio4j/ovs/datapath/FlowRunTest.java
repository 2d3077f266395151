package io.virtio4j.ovs.datapath;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import io.virtio4j.ovs.model.PortVlan;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.pipeline.DropReason;
import io.virtio4j.ovs.pipeline.OvsPipeline;
import io.virtio4j.ovs.pipeline.PipelineCounter;
import io.virtio4j.ovs.port.DropCounters;
import io.virtio4j.ovs.port.InProcessPort;
import io.virtio4j.ovs.port.PortCounters;
import io.virtio4j.ovs.port.SwitchPort;
import io.virtio4j.ovs.testing.Frames;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;

/**
 * A burst's run of one flow is decided and routed once, and every frame of it still leaves as it
 * would alone: the executor replays the run's outputs only for frames that arrived tagged as the
 * frame that found them, routes any other frame for itself, and checks each frame's length against
 * the output's MTU.
 */
class FlowRunTest {
    private static final long A = 0x0200_0000_000aL;
    private static final long B = 0x0200_0000_000bL;

    @Test
    void aBurstOfOneFlowArrivesWholeAndInOrderBesideAFrameOfAnother() {
        try (TwoPorts s = new TwoPorts(PortSpec.access("a", PortType.IN_PROCESS, "a", 10),
                PortSpec.access("b", PortType.IN_PROCESS, "b", 10), null)) {
            s.learnB();
            byte[][] sent = new byte[24][];
            for (int i = 0; i < sent.length; i++) {
                // Short frames (sent from the bytes read for the pipeline) and long ones (from
                // their own buffers), and one to an unknown station (flooded) in the middle.
                long dst = i == 11 ? 0x0200_0000_00ffL : B;
                sent[i] = frame(dst, A, 0, i, i % 3 == 0 ? 300 : 60);
                assertTrue(s.a.inject(sent[i]));
            }
            assertEquals(sent.length, s.executor.poll(0, System.nanoTime()), "one burst");
            for (int i = 0; i < sent.length; i++) {
                assertArrayEquals(sent[i], s.b.take(), "frame " + i);
            }
            assertNull(s.b.take());
            assertTrue(s.pipeline.counter(PipelineCounter.EMC_HITS) >= sent.length - 4,
                    "the frames of the run were decided from the key before them");
            assertEquals(sent.length, s.cb.snapshot().txFrames());
        }
    }

    @Test
    void aFrameOfTheRunTaggedOtherwiseIsRewrittenForItself() {
        // A flow sets priority 3 on everything from the trunk t to the trunk u: a frame that came
        // with priority 3 leaves unchanged, one with priority 5 needs a head of its own.
        ControllerFlows flows = new ControllerFlows(List.of(new ControllerFlows.Rule("pcp", 0, 10, 1, Match.all(),
                List.of(new RuleAction.Apply(new Actions.SetVlanPcp(3)), new RuleAction.ToPort(2)))),
                new PortNumbers(List.of("t", "u")));
        try (TwoPorts s = new TwoPorts(trunk("t"), trunk("u"), flows)) {
            int[] priorities = {3, 3, 5, 3, 3, 0, 3};
            for (int i = 0; i < priorities.length; i++) {
                assertTrue(s.a.inject(frame(B, A, priorities[i] << 13 | 10, i, i % 2 == 0 ? 60 : 300)));
            }
            assertEquals(priorities.length, s.executor.poll(0, System.nanoTime()));
            for (int i = 0; i < priorities.length; i++) {
                assertArrayEquals(frame(B, A, 3 << 13 | 10, i, i % 2 == 0 ? 60 : 300), s.b.take(), "frame " + i
                        + " came with priority " + priorities[i]);
            }
            assertNull(s.b.take());
            assertTrue(s.pipeline.counter(PipelineCounter.EMC_HITS) >= 4, "the frames repeated the run's verdict");
        }
    }

    @Test
    void aFrameOfTheRunLongerThanTheOutputsMtuIsDroppedThereAlone() {
        try (TwoPorts s = new TwoPorts(PortSpec.access("a", PortType.IN_PROCESS, "a", 10),
                new PortSpec("b", PortType.IN_PROCESS, "b", Duration.ofSeconds(1), PortVlan.access(10), 1, -1,
                        PortSpec.DEFAULT_MAX_GUEST_MEMORY, Set.of(), 200), null)) {
            s.learnB();
            int[] lengths = {60, 60, 300, 60, 300, 60};
            for (int i = 0; i < lengths.length; i++) {
                assertTrue(s.a.inject(frame(B, A, 0, i, lengths[i])));
            }
            assertEquals(lengths.length, s.executor.poll(0, System.nanoTime()));
            for (int i = 0; i < lengths.length; i++) {
                if (lengths[i] == 60) {
                    assertArrayEquals(frame(B, A, 0, i, 60), s.b.take(), "frame " + i);
                }
            }
            assertNull(s.b.take());
            assertEquals(2, s.cb.drops(DropReason.MTU_EXCEEDED), "each long frame, at b");
            assertTrue(s.pipeline.counter(PipelineCounter.EMC_HITS) >= 4, "the frames repeated the run's verdict");
        }
    }

    /** Two in-process ports a and b (indices 0 and 1) of one switch, its pipeline and executor. */
    private static final class TwoPorts implements AutoCloseable {
        final InProcessPort a;
        final InProcessPort b;
        final PortCounters cb;
        final OvsPipeline pipeline;
        final FrameExecutor executor;
        private final PortCounters ca;
        private final DropCounters drops;

        /** {@code flows}: the controllers' flows, or null for the built-in program alone. */
        TwoPorts(PortSpec first, PortSpec second, ControllerFlows flows) {
            List<PortSpec> specs = List.of(first, second);
            SwitchSpec spec = new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, specs, List.of(), List.of(), List.of());
            CountersManager manager = VirtualSwitch.inMemoryCounters(128);
            a = new InProcessPort(first);
            b = new InProcessPort(second);
            ca = new PortCounters(manager, first.name());
            cb = new PortCounters(manager, second.name());
            drops = new DropCounters(manager, "drop:", DropCounters.SWITCH_TYPE_ID);
            pipeline = flows == null ? new OvsPipeline(spec, System.nanoTime()) : new OvsPipeline(spec, System.nanoTime(), flows);
            executor = new FrameExecutor(new SwitchPort[] {a, b}, specs.toArray(PortSpec[]::new),
                    new PortCounters[] {ca, cb}, pipeline, drops, new CaptureHooks());
        }

        /** B sends one frame from b, so the switch learns it there and a's frames to B are unicast. */
        void learnB() {
            assertTrue(b.inject(frame(A, B, 0, 0, 60)));
            executor.poll(1, System.nanoTime());
            assertTrue(a.take() != null);
        }

        @Override
        public void close() {
            a.close();
            b.close();
            ca.close();
            cb.close();
            drops.close();
        }
    }

    private static PortSpec trunk(String name) {
        return new PortSpec(name, PortType.IN_PROCESS, name, Duration.ofSeconds(1), PortVlan.trunk(Set.of(10)), 1, -1);
    }

    /** A frame of {@code length} bytes, tagged with {@code tci} unless 0, its payload numbered {@code seq}. */
    private static byte[] frame(long dst, long src, int tci, int seq, int length) {
        byte[] payload = new byte[length - (tci == 0 ? 14 : 18)];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (seq * 31 + i);
        }
        return Frames.ethernet(dst, src, tci, 0x88b5, payload);
    }
}
