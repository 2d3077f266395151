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
    /** Routed by the lab via 10.0.2.254, a static neighbour: every frame to it is forwarded, none answered. */
    private static final int BEHIND_ROUTER = io.virtio4j.ovs.model.Ipv4.parse("192.168.6.7");
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

    @Test
    void aRunOfOneKeyIsDecidedOnceAndItsOtherFramesRepeatIt() {
        pipeline.beginBurst(context, lab.now);
        send(0, l2(BROADCAST, H1, 0));
        assertEquals(false, verdict.repeatsPrevious(), "the burst's first frame never repeats");
        send(1, l2(H1, H2, 0));
        assertEquals(false, verdict.repeatsPrevious(), "another key");
        assertEquals(List.of(0), send(1, l2(H1, H2, 0)));
        assertEquals(false, verdict.repeatsPrevious(), "H2 was new: resolved again, not repeated");
        assertEquals(List.of(0), send(1, l2(H1, H2, 0)));
        assertEquals(true, verdict.repeatsPrevious(), "the same key, the same tables");
        assertEquals(0, verdict.outputCount(), "a repeat carries nothing of its own");
        send(1, new byte[13]);
        assertEquals(DropReason.MALFORMED, verdict.drop());
        assertEquals(List.of(0), send(1, l2(H1, H2, 0)));
        assertEquals(false, verdict.repeatsPrevious(), "the frame before was malformed: nothing to repeat");
        pipeline.endBurst(context);
        pipeline.beginBurst(context, lab.now);
        assertEquals(List.of(0), send(1, l2(H1, H2, 0)));
        assertEquals(false, verdict.repeatsPrevious(), "a new burst starts over");
        pipeline.endBurst(context);
        assertEquals(7, pipeline.counter(PipelineCounter.FRAMES), "repeated frames are counted as frames");
    }

    @Test
    void aRoutedRunRepeatsUntilATtlRunsOutAndThatFrameIsAnsweredAlone() {
        Lab routed = new Lab(L3Mode.OVS_ONLY);
        PmdContext c = routed.pipeline.newContext();
        int[] ttls = {64, 64, 1, 64, 64};
        boolean[] repeats = {false, true, false, false, true};
        routed.send(0, Lab.ping(Lab.GW10_MAC, H1, 0, Lab.H1_IP, BEHIND_ROUTER, 64)); // H1 learned before the burst
        routed.pipeline.beginBurst(c, routed.now);
        for (int i = 0; i < ttls.length; i++) {
            byte[] frame = Lab.ping(Lab.GW10_MAC, H1, 0, Lab.H1_IP, BEHIND_ROUTER, ttls[i]);
            MemorySegment.copy(MemorySegment.ofArray(frame), 0, scratch, 0, frame.length);
            verdict.clear();
            routed.pipeline.process(c, 0, scratch, frame.length, frame.length, routed.now, verdict);
            assertEquals(repeats[i], verdict.repeatsPrevious(), "frame " + i + " (TTL " + ttls[i] + "): " + verdict.drop()
                    + ", reply " + verdict.replyLength() + ", outputs " + verdict.outputCount());
            if (ttls[i] == 1) {
                assertEquals(DropReason.TTL_EXPIRED, verdict.drop());
                assertEquals(true, verdict.replyLength() > 0, "time exceeded, for this frame alone");
            }
        }
        routed.pipeline.endBurst(c);
        assertEquals(1, routed.pipeline.drops(DropReason.TTL_EXPIRED));
        assertEquals(1, routed.pipeline.counter(PipelineCounter.TIME_EXCEEDED_SENT));
        assertEquals(6, routed.pipeline.counter(PipelineCounter.FRAMES));
    }

    @Test
    void seededRandomBurstsDecideEveryFrameAsItWouldBeDecidedAlone() {
        // Frames of a small alphabet (unicast and broadcast, tagged on the trunk, ARP for the
        // gateway, pings across the router with TTLs that expire or not, a runt) in random order on
        // random ports: each frame's verdict in one burst, a repeat read as the executor reads it,
        // is the verdict the same frame gets in a burst of its own, on a twin switch.
        int ip = Lab.H1_IP;
        byte[][] alphabet = {l2(H1, H2, 0), l2(H2, H1, 0), l2(BROADCAST, H3, 0), l2(H1, H2, 10), l2(H3, H1, 20),
            Lab.arpRequest(H1, Lab.H1_IP, Lab.GW10, 0), Lab.ping(Lab.GW10_MAC, H1, 0, ip, BEHIND_ROUTER, 64),
            Lab.ping(Lab.GW10_MAC, H1, 0, ip, BEHIND_ROUTER, 1), Lab.ping(Lab.GW10_MAC, H1, 0, ip, Lab.H2_IP, 64),
            Lab.ping(Lab.GW10_MAC, H1, 0, ip, Lab.GW10, 64), new byte[13]};
        for (long seed = 1; seed <= 300; seed++) {
            java.util.Random random = new java.util.Random(seed);
            Lab together = new Lab(L3Mode.OVS_ONLY);
            Lab alone = new Lab(L3Mode.OVS_ONLY);
            PmdContext c = together.pipeline.newContext();
            together.pipeline.beginBurst(c, together.now);
            String previous = null;
            for (int i = 0; i < 32; i++) {
                // Runs are what repeats: a frame is the one before it half the time.
                int pick = random.nextInt(alphabet.length);
                int port = random.nextInt(5);
                byte[] frame = alphabet[pick];
                MemorySegment.copy(MemorySegment.ofArray(frame), 0, scratch, 0, Math.min(frame.length, FramePipeline.HEADER_BYTES));
                verdict.clear();
                together.pipeline.process(c, port, scratch, Math.min(frame.length, FramePipeline.HEADER_BYTES), frame.length,
                        together.now, verdict);
                String got = verdict.repeatsPrevious() ? previous : describe(verdict);
                String expected = describe(alone.send(port, frame));
                assertEquals(expected, got, "seed " + seed + ", frame " + i + " (alphabet " + pick + ", port " + port + ")");
                previous = got;
                if (random.nextBoolean() && i < 31) {
                    i++;
                    MemorySegment.copy(MemorySegment.ofArray(frame), 0, scratch, 0, Math.min(frame.length, FramePipeline.HEADER_BYTES));
                    verdict.clear();
                    together.pipeline.process(c, port, scratch, Math.min(frame.length, FramePipeline.HEADER_BYTES), frame.length,
                            together.now, verdict);
                    got = verdict.repeatsPrevious() ? previous : describe(verdict);
                    assertEquals(describe(alone.send(port, frame)), got, "seed " + seed + ", frame " + i + " (again)");
                    previous = got;
                }
            }
            together.pipeline.endBurst(c);
            assertEquals(alone.pipeline.flows(), together.pipeline.flows(), "seed " + seed + ": per-flow packet counts");
            for (DropReason r : DropReason.values()) {
                assertEquals(alone.pipeline.drops(r), together.pipeline.drops(r), "seed " + seed + ": drops " + r);
            }
            for (PipelineCounter counter : PipelineCounter.values()) {
                // Hits and misses differ by design: a burst resolves a repeated key once.
                if (counter != PipelineCounter.EMC_HITS && counter != PipelineCounter.EMC_MISSES) {
                    assertEquals(alone.pipeline.counter(counter), together.pipeline.counter(counter), "seed " + seed + ": " + counter);
                }
            }
        }
    }

    /** Everything a verdict decides, as text. */
    private static String describe(Verdict v) {
        StringBuilder b = new StringBuilder().append(v.drop()).append(" vlan ").append(v.egressVlan())
                .append(" src ").append(v.ethSource()).append(" dst ").append(v.ethDestination())
                .append(" ttl ").append(v.decrementTtl()).append(" pcp ").append(v.vlanPcp())
                .append(" ip ").append(v.ipv4Source()).append('/').append(v.ipv4Destination())
                .append(" reply ").append(v.replyLength()).append(" controller ").append(v.controller()).append(" out");
        for (int i = 0; i < v.outputCount(); i++) {
            b.append(' ').append(v.output(i)).append(':').append(v.outputTag(i));
        }
        return b.toString();
    }

    /** The outputs of the last frame sent, a repeated verdict read as the executor reads it: the previous frame's. */
    private List<Integer> previous = List.of();

    private List<Integer> send(int port, byte[] frame) {
        int header = Math.min(frame.length, FramePipeline.HEADER_BYTES);
        MemorySegment.copy(MemorySegment.ofArray(frame), 0, scratch, 0, header);
        verdict.clear();
        pipeline.process(context, port, scratch, header, frame.length, lab.now, verdict);
        if (verdict.repeatsPrevious()) {
            return previous;
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < verdict.outputCount(); i++) {
            out.add(verdict.output(i));
        }
        previous = out;
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
