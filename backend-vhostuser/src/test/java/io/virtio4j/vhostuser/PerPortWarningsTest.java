package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.protocol.Request;
import io.virtio4j.vhostuser.protocol.SessionWarnings;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One hostile front-end flooding refusals must not silence another port's warnings: the session
 * log limits are per port (per session loop) and kind, not one static limiter for all sessions.
 * Captures what slf4j-simple (the test provider) writes to System.err. Issue 13 item 5.
 */
class PerPortWarningsTest {
    /** SET_VRING_NUM with a size that is no power of two: refused, the connection kept. */
    private static long badRingSize(Frontend f) {
        return f.call(Request.SET_VRING_NUM, new long[] {3L << 32});
    }

    @Test
    void aFloodOnOnePortLeavesAnotherPortsFirstWarningAlone() throws Exception {
        try (Frontend hostile = new Frontend(); Frontend bystander = new Frontend()) {
            hostile.session.name("vhost-user-server /run/hostile.sock");
            bystander.session.name("vhost-user-server /run/bystander.sock");
            hostile.negotiate();
            bystander.negotiate();
            PrintStream saved = System.err;
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            try {
                for (int i = 0; i < 50; i++) {
                    assertEquals(1, badRingSize(hostile));
                }
                assertEquals(1, badRingSize(bystander));
            } finally {
                System.setErr(saved);
            }
            String log = err.toString(StandardCharsets.UTF_8);
            long hostileLines = log.lines().filter(l -> l.contains("/run/hostile.sock") && l.contains("rejected")).count();
            long bystanderLines = log.lines().filter(l -> l.contains("/run/bystander.sock") && l.contains("rejected")).count();
            assertEquals(1, hostileLines, "the flood was not rate limited:\n" + log);
            assertEquals(1, bystanderLines, "the other port's first warning was suppressed by the flood:\n" + log);
            assertTrue(log.lines().anyMatch(l -> l.contains("/run/bystander.sock") && l.contains("(0 similar suppressed)")), log);
            assertEquals(50, hostile.counters.rejected());
            assertEquals(1, bystander.counters.rejected());
        }
    }

    /**
     * A front-end sending SET_MEM_TABLE in a loop (each one stops and restarts its running rings)
     * gets at most a burst of INFO lines of each kind plus one a second, with the count of those
     * suppressed; another port's notes are untouched. Issue 19: memory-table lines rate-limited.
     */
    @Test
    void aMemoryTableLoopWritesABurstOfInfoLinesNotOnePerMessage() throws Exception {
        int loops = 200;
        try (Frontend hostile = new Frontend(); Frontend bystander = new Frontend()) {
            hostile.session.name("vhost-user-server /run/hostile.sock");
            bystander.session.name("vhost-user-server /run/bystander.sock");
            hostile.negotiate();
            bystander.negotiate();
            BackendSessionTest.setUpRing0(hostile);
            int kick = TestFiles.eventfd();
            assertEquals(0, hostile.call(Request.SET_VRING_KICK, new long[] {0}, kick));
            TestFiles.close(kick);
            assertEquals(0, hostile.call(Request.SET_VRING_ENABLE, new long[] {1L << 32}));
            PrintStream saved = System.err;
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            long start = System.nanoTime();
            long seconds;
            try {
                for (int i = 0; i < loops; i++) {
                    setMemTable(hostile);
                }
                seconds = (System.nanoTime() - start) / 1_000_000_000L;
                setMemTable(bystander);
            } finally {
                System.setErr(saved);
            }
            String log = err.toString(StandardCharsets.UTF_8);
            // Each message restarted the ring: the data path saw every one.
            assertEquals(loops, hostile.listener.events.stream().filter(e -> e.startsWith("start 0")).count() - 1,
                    hostile.listener.events.toString());
            long allowed = SessionWarnings.NOTE_BURST + seconds + 1;
            for (String note : List.of("memory table set", "ring 0 started", "ring 0 stopped")) {
                long lines = log.lines().filter(l -> l.contains("/run/hostile.sock") && l.contains(note)).count();
                assertTrue(lines >= 1 && lines <= allowed, lines + " lines '" + note + "' for " + loops
                        + " messages in " + seconds + " s; at most " + allowed + " expected:\n" + log);
            }
            assertTrue(log.lines().anyMatch(l -> l.contains("/run/bystander.sock") && l.contains("memory table set")),
                    "the other port's note was suppressed by the flood:\n" + log);
        }
    }

    private static void setMemTable(Frontend f) {
        int mem = TestFiles.memfd(BackendSessionTest.MEM_SIZE);
        try {
            assertEquals(0, f.call(Request.SET_MEM_TABLE, BackendSessionTest.oneRegion(BackendSessionTest.GPA,
                    BackendSessionTest.MEM_SIZE, BackendSessionTest.UVA, 0), mem));
        } finally {
            TestFiles.close(mem);
        }
    }
}
