package io.virtio4j.vhostuser;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

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
}
