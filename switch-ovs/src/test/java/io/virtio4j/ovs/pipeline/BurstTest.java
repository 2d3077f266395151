package io.virtio4j.ovs.pipeline;

import static io.virtio4j.ovs.testing.Lab.BROADCAST;
import static io.virtio4j.ovs.testing.Lab.H1;
import static io.virtio4j.ovs.testing.Lab.H2;
import static io.virtio4j.ovs.testing.Lab.H3;
import static io.virtio4j.ovs.testing.Lab.l2;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.testing.Frames;
import io.virtio4j.ovs.testing.Lab;

/**
 * The data path's burst contract: shared state is read once per burst and counts reach the shared
 * counters at its end, yet a frame still sees what an earlier frame of the same burst learned.
 */
class BurstTest {
    private static final Pattern PACKETS = Pattern.compile("n_packets=(\\d+)");

    private final Lab lab = new Lab(L3Mode.NONE);
    private final OvsPipeline pipeline = lab.pipeline;
    private final PmdContext context = pipeline.newContext();
    private final MemorySegment scratch = Frames.scratch();
    private final Verdict verdict = new Verdict();

    @Test
    void aMoveInsideABurstSteersItsLaterFramesAndCountsArriveAtItsEnd() {
        pipeline.beginBurst(context, lab.now);
        send(0, l2(BROADCAST, H1, 0));                                     // H1 learned on port 0
        assertEquals(List.of(0), send(1, l2(H1, H2, 0)), "learned within the burst: unicast");
        assertEquals(List.of(0), send(1, l2(H1, H2, 0)), "H2 was new: the cache missed again");
        assertEquals(List.of(0), send(1, l2(H1, H2, 0)), "the same decision, from the cache");
        send(4, l2(BROADCAST, H1, 10));                                    // H1 moves to the trunk
        assertEquals(List.of(4), send(1, l2(H1, H2, 0)), "the move is followed by the very next frame");
        assertEquals(0, pipeline.counter(PipelineCounter.FRAMES), "kept per burst until its end");
        assertEquals(0, flowPackets());

        pipeline.endBurst(context);
        assertEquals(6, pipeline.counter(PipelineCounter.FRAMES));
        assertEquals(1, pipeline.counter(PipelineCounter.EMC_HITS));
        assertEquals(5, pipeline.counter(PipelineCounter.EMC_MISSES));
        long afterFirst = flowPackets();
        assertEquals(true, afterFirst >= 6, "every frame matched at least one flow: " + pipeline.flows());

        pipeline.beginBurst(context, lab.now);
        assertEquals(List.of(4), send(1, l2(H1, H2, 0)));
        pipeline.endBurst(context);
        assertEquals(7, pipeline.counter(PipelineCounter.FRAMES), "the next burst adds, it does not overwrite");
        assertEquals(2, pipeline.counter(PipelineCounter.EMC_HITS));
        assertEquals(true, flowPackets() > afterFirst);
    }

    @Test
    void framesOfOneKeyInARowCountAndForwardAsIfEachHadItsOwnBurst() {
        // One burst where most frames repeat the previous frame's key (resolved once, counted per
        // flow at the end), against the same frames each in a burst of its own.
        Lab lab2 = new Lab(L3Mode.NONE);
        PmdContext context2 = lab2.pipeline.newContext();
        int[] ports = {0, 2, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1};
        byte[][] frames = {l2(BROADCAST, H1, 0), l2(BROADCAST, H3, 0), l2(H1, H2, 0), l2(H1, H2, 0),
            l2(H1, H2, 0), l2(H1, H2, 0), l2(H3, H2, 0), l2(H3, H2, 0), l2(H2, H3, 0), l2(H1, H2, 0),
            l2(H1, H2, 0), l2(H1, H2, 0)};
        List<List<Integer>> together = new ArrayList<>();
        pipeline.beginBurst(context, lab.now);
        for (int i = 0; i < frames.length; i++) {
            together.add(send(ports[i], frames[i]));
        }
        pipeline.endBurst(context);
        for (int i = 0; i < frames.length; i++) {
            lab2.pipeline.beginBurst(context2, lab2.now);
            int header = Math.min(frames[i].length, FramePipeline.HEADER_BYTES);
            MemorySegment.copy(MemorySegment.ofArray(frames[i]), 0, scratch, 0, header);
            verdict.clear();
            lab2.pipeline.process(context2, ports[i], scratch, header, frames[i].length, lab2.now, verdict);
            lab2.pipeline.endBurst(context2);
            List<Integer> out = new ArrayList<>();
            for (int o = 0; o < verdict.outputCount(); o++) {
                out.add(verdict.output(o));
            }
            assertEquals(out, together.get(i), "frame " + i);
        }
        assertEquals(lab2.pipeline.flows(), pipeline.flows(), "per-flow packet counts");
        assertEquals(true, flowPackets() >= frames.length, "every frame matched at least one flow: " + pipeline.flows());
        assertEquals(frames.length, pipeline.counter(PipelineCounter.FRAMES));
        assertEquals(frames.length, pipeline.counter(PipelineCounter.EMC_HITS) + pipeline.counter(PipelineCounter.EMC_MISSES));
    }

    @Test
    void anotherThreadsChangeReachesThisThreadByItsNextBurst() {
        pipeline.beginBurst(context, lab.now);
        send(0, l2(BROADCAST, H1, 0));
        assertEquals(List.of(0), send(1, l2(H1, H2, 0)));
        pipeline.endBurst(context);
        lab.send(4, l2(BROADCAST, H1, 10));                                // another context: H1 moves
        pipeline.beginBurst(context, lab.now);
        assertEquals(List.of(4), send(1, l2(H1, H2, 0)));
        pipeline.endBurst(context);
    }

    private List<Integer> send(int port, byte[] frame) {
        int header = Math.min(frame.length, FramePipeline.HEADER_BYTES);
        MemorySegment.copy(MemorySegment.ofArray(frame), 0, scratch, 0, header);
        verdict.clear();
        pipeline.process(context, port, scratch, header, frame.length, lab.now, verdict);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < verdict.outputCount(); i++) {
            out.add(verdict.output(i));
        }
        return out;
    }

    private long flowPackets() {
        long total = 0;
        for (String line : pipeline.flows()) {
            Matcher m = PACKETS.matcher(line);
            if (m.find()) {
                total += Long.parseLong(m.group(1));
            }
        }
        return total;
    }
}
