package io.virtio4j.ovs.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.Map;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.packet.ParsedFrame;
import io.virtio4j.ovs.testing.Lab;
import io.virtio4j.testing.TestGroups;

import org.junit.jupiter.api.Tag;

/**
 * Coverage-guided fuzzing of the frame pipeline (Jazzer): a sequence of arbitrary frames through
 * {@link OvsPipeline#process} on {@link Lab}'s switch (access ports, a trunk, two routed subnets).
 * Each frame's header lies in a native segment exactly as long as the captured bytes, so a read
 * past what was captured throws instead of reading stale scratch. Every frame ends as a verdict or
 * a counted drop, never an exception; malformed frames (as {@link ParsedFrame} judges them) are
 * MALFORMED drops with no output and no reply; the counters move by exactly one frame and at most
 * one drop per frame.
 *
 * <p>Input: byte 0 picks the L3 mode; then records of {@code [port] [extra] [n] n frame bytes}:
 * port 0..5 are Lab's ports, 6 and 7 stand for a port that does not exist (6, -1); extra 0 means
 * the frame is exactly its bytes, 255 that the frame claims one byte fewer than were captured,
 * anything else that the frame is {@code 8 * extra} bytes longer than the captured header.
 */
@Tag(TestGroups.FUZZ)
class FramePipelineFuzzTest {
    private static final int MAX_FRAMES = 32;
    /**
     * Small tables: a fresh pipeline per input stays cheap (the default EMC and FDB take most of
     * the time of building one), and a handful of source MACs fills the FDB, so its full path runs.
     */
    private static final FdbSpec SMALL_FDB = new FdbSpec(8, Duration.ofSeconds(300));
    private static final int EMC_ENTRIES = 64;

    @FuzzTest
    void anyFramesEndAsAVerdictOrACountedDrop(byte[] input) {
        if (input.length == 0) {
            return;
        }
        L3Mode[] modes = L3Mode.values();
        L3Mode mode = modes[(input[0] & 0xff) % modes.length];
        OvsPipeline pipeline = new OvsPipeline(Lab.spec(mode, SMALL_FDB), Lab.SECOND, EMC_ENTRIES);
        int portCount = pipeline.spec().ports().size();
        Verdict verdict = new Verdict();
        ParsedFrame reference = new ParsedFrame();
        long now = Lab.SECOND;
        int at = 1;
        for (int frames = 0; at + 3 <= input.length && frames < MAX_FRAMES; frames++) {
            int portByte = input[at] & 7;
            int inPort = portByte == 7 ? -1 : portByte;
            int extra = input[at + 1] & 0xff;
            int n = Math.min(input[at + 2] & 0xff, input.length - at - 3);
            int headerLength = Math.min(n, FramePipeline.HEADER_BYTES);
            int frameLength = extra == 255 ? headerLength - 1 : extra == 0 ? n : n + 8 * extra;
            now += Lab.SECOND / 10;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment header = arena.allocate(Math.max(headerLength, 1)).asSlice(0, headerLength);
                MemorySegment.copy(MemorySegment.ofArray(input), at + 3, header, 0, headerLength);
                long framesBefore = pipeline.counter(PipelineCounter.FRAMES);
                Map<DropReason, Long> dropsBefore = drops(pipeline);
                verdict.clear();
                pipeline.process(inPort, header, headerLength, frameLength, now, verdict);

                String what = "frame " + frames + " (" + headerLength + " of " + frameLength + " bytes, port " + inPort + ")";
                assertEquals(framesBefore + 1, pipeline.counter(PipelineCounter.FRAMES), what);
                boolean malformed = inPort < 0 || inPort >= portCount || !reference.parse(header, headerLength, frameLength)
                        || (reference.ethSource() & 0x0100_0000_0000L) != 0;
                DropReason drop = verdict.drop();
                if (malformed) {
                    assertEquals(DropReason.MALFORMED, drop, what);
                    assertEquals(0, verdict.replyLength(), what);
                } else {
                    assertTrue(drop != DropReason.MALFORMED, what + " parses but was dropped as malformed");
                }
                Map<DropReason, Long> dropsAfter = drops(pipeline);
                for (DropReason r : DropReason.values()) {
                    long expected = dropsBefore.get(r) + (r == drop && r != DropReason.NONE ? 1 : 0);
                    assertEquals(expected, dropsAfter.get(r), what + ": drop counter " + r);
                }
                checkOutputs(verdict, portCount, what);
            }
            at += 3 + n;
        }
    }

    private static void checkOutputs(Verdict verdict, int portCount, String what) {
        if (verdict.drop() != DropReason.NONE) {
            assertEquals(0, verdict.outputCount(), what + ": dropped (" + verdict.drop() + ") yet sent");
        }
        BitSet seen = new BitSet();
        for (int i = 0; i < verdict.outputCount(); i++) {
            int port = verdict.output(i);
            assertTrue(port >= 0 && port < portCount, what + ": output to port " + port);
            assertTrue(!seen.get(port), what + ": port " + port + " output twice");
            seen.set(port);
        }
        assertTrue(verdict.replyLength() >= 0 && verdict.replyLength() <= Verdict.MAX_REPLY, what);
    }

    private static Map<DropReason, Long> drops(OvsPipeline pipeline) {
        Map<DropReason, Long> m = new EnumMap<>(DropReason.class);
        for (DropReason r : DropReason.values()) {
            m.put(r, pipeline.drops(r));
        }
        return m;
    }
}
