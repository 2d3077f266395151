package io.virtio4j.ovs.pipeline;

import static io.virtio4j.ovs.pipeline.Lab.BROADCAST;
import static io.virtio4j.ovs.pipeline.Lab.H1;
import static io.virtio4j.ovs.pipeline.Lab.H2;
import static io.virtio4j.ovs.pipeline.Lab.l2;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.packet.Frames;

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
