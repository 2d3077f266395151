package io.virtio4j.ovs.pipeline;

import static io.virtio4j.ovs.testing.Lab.GW10_MAC;
import static io.virtio4j.ovs.testing.Lab.H1;
import static io.virtio4j.ovs.testing.Lab.H1_IP;
import static io.virtio4j.ovs.testing.Lab.H2_IP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.testing.Frames;
import io.virtio4j.ovs.testing.Lab;

/** Frames a hostile guest can send: every one ends as a counted drop, never as an exception. */
class MalformedFramesTest {

    @ParameterizedTest
    @EnumSource(L3Mode.class)
    void everyTruncationOfRoutedArpAndTaggedFramesIsMalformed(L3Mode mode) {
        Lab lab = new Lab(mode);
        Object[][] cases = {
            {0, Lab.ping(GW10_MAC, H1, 0, H1_IP, H2_IP, 64)},
            {4, Lab.ping(GW10_MAC, H1, 10, H1_IP, H2_IP, 64)},
            {0, Lab.arpRequest(H1, H1_IP, Lab.GW10, 0)},
            {4, Lab.arpRequest(H1, H1_IP, Lab.GW20, 20)},
        };
        long expected = 0;
        for (Object[] c : cases) {
            int port = (int) c[0];
            byte[] frame = (byte[]) c[1];
            for (int n = 0; n < frame.length; n++) {
                Frames.process(lab.pipeline, port, frame, n, lab.now, lab.scratch, lab.verdict);
                assertEquals(DropReason.MALFORMED, lab.verdict.drop(), "cut to " + n + " of " + frame.length);
                assertEquals(0, lab.verdict.outputCount());
                assertEquals(0, lab.verdict.replyLength());
                expected++;
            }
            lab.send(port, frame);
            assertNotEquals(DropReason.MALFORMED, lab.verdict.drop(), "the whole frame is fine");
        }
        assertEquals(expected, lab.pipeline.drops(DropReason.MALFORMED));
        assertEquals(0, lab.pipeline.fdb(lab.now).stream().filter(e -> e.mac() != H1).count());
    }

    @Test
    void randomBytesNeverThrow() {
        Lab lab = new Lab(L3Mode.OVS_ONLY);
        Random random = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            byte[] frame = new byte[random.nextInt(120)];
            random.nextBytes(frame);
            if (frame.length > 17 && random.nextBoolean()) {
                // Steer half of them into the interesting parsers: tagged, ARP or IPv4 to the gateway.
                frame[12] = (byte) 0x81;
                frame[13] = 0;
                frame[14] = 0;
                frame[15] = (byte) (random.nextBoolean() ? 10 : 20);
                frame[16] = 0x08;
                frame[17] = (byte) (random.nextBoolean() ? 0 : 6);
                frame[6] &= (byte) 0xfe;
            }
            lab.send(random.nextInt(6), frame);
        }
        assertEquals(20_000, lab.pipeline.counter(PipelineCounter.FRAMES));
    }

    @Test
    void aLyingHeaderLengthOrPortIsMalformed() {
        Lab lab = new Lab(L3Mode.OVS_ONLY);
        MemorySegment small = Arena.ofAuto().allocate(16);
        lab.verdict.clear();
        lab.pipeline.process(0, small, 60, 60, lab.now, lab.verdict);
        assertEquals(DropReason.MALFORMED, lab.verdict.drop(), "header length beyond the scratch");
        lab.verdict.clear();
        lab.pipeline.process(0, lab.scratch, 60, 59, lab.now, lab.verdict);
        assertEquals(DropReason.MALFORMED, lab.verdict.drop(), "more captured than the frame holds");
        Frames.process(lab.pipeline, 6, Lab.l2(Lab.BROADCAST, H1, 0), lab.now, lab.scratch, lab.verdict);
        assertEquals(DropReason.MALFORMED, lab.verdict.drop(), "no port 6");
        Frames.process(lab.pipeline, -1, Lab.l2(Lab.BROADCAST, H1, 0), lab.now, lab.scratch, lab.verdict);
        assertEquals(DropReason.MALFORMED, lab.verdict.drop(), "no port -1");
        assertEquals(4, lab.pipeline.drops(DropReason.MALFORMED));
    }

    /** Issue 19: refusals of hostile input are rate-limited per port, and the line names the port. */
    @Test
    void aFloodOfMalformedFramesOnOnePortLeavesAnotherPortsFirstLineAlone() {
        Lab lab = new Lab(L3Mode.OVS_ONLY);
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            for (int i = 0; i < 50; i++) {
                Frames.process(lab.pipeline, 0, Lab.l2(Lab.BROADCAST, H1, 0), 10, lab.now, lab.scratch, lab.verdict);
            }
            Frames.process(lab.pipeline, 2, Lab.l2(Lab.BROADCAST, H1, 0), 10, lab.now, lab.scratch, lab.verdict);
        } finally {
            System.setErr(saved);
        }
        String log = err.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(1, log.lines().filter(l -> l.contains("malformed frame from port a1 ")).count(), log);
        assertEquals(1, log.lines().filter(l -> l.contains("malformed frame from port b1 ")).count(),
                "the other port's first line was suppressed by the flood:\n" + log);
        assertEquals(51, lab.pipeline.drops(DropReason.MALFORMED));
    }
}
