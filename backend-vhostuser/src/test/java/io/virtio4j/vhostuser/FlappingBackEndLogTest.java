package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.net.VhostUserNetPort;

import io.virtio4j.spi.NetBackends;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A back-end that connects and goes away in a loop must not write an INFO line per connection:
 * the embeddable front-end's notes are rate limited per back-end, a burst then one every 2 s,
 * with the count suppressed. Captures what slf4j-simple (the test provider) writes to
 * System.err. Issue 19 leftover.
 */
class FlappingBackEndLogTest {
    private static final int FLAPS = 20;

    @TempDir
    Path dir;

    @Test
    void aBackEndThatFlapsWritesABurstOfConnectedLinesNotOnePerConnection() throws Exception {
        Path sock = dir.resolve("flap.sock");
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long started;
        long elapsedNanos;
        try (VhostUserNetBackend backend = (VhostUserNetBackend) NetBackends.open("vhost-user:path=" + sock
                + ",mode=server,reconnect=5ms")) {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            started = System.nanoTime();
            try {
                for (int i = 1; i <= FLAPS; i++) {
                    long connections = i;
                    try (SessionLoop ours = OurBackend.CLIENT.start(sock, new VhostUserNetPort(1, 9000))) {
                        TestFiles.waitFor(() -> backend.counters().connections() == connections, "connection " + i);
                    }
                    TestFiles.waitFor(() -> backend.counters().disconnects() == connections, "disconnect " + i);
                }
            } finally {
                elapsedNanos = System.nanoTime() - started;
                System.setErr(saved);
            }
            assertEquals(FLAPS, backend.counters().connections(), "every connection is counted, logged or not");
        }
        String log = err.toString(StandardCharsets.UTF_8);
        long lines = log.lines().filter(l -> l.contains(sock.toString()) && l.contains("back-end connected")).count();
        // A burst, then one per 2 s of the run, plus one for a spacing boundary crossed.
        long allowed = VhostUserNetBackend.NOTE_BURST + elapsedNanos / 2_000_000_000L + 1;
        assertTrue(lines >= 1 && lines <= allowed, lines + " 'back-end connected' lines for " + FLAPS
                + " connections in " + elapsedNanos / 1_000_000 + " ms (at most " + allowed + "):\n" + log);
        assertTrue(lines < FLAPS, "not one line per connection:\n" + log);
    }
}
