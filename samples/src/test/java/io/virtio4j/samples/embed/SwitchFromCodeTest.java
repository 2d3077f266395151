package io.virtio4j.samples.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.virtio4j.samples.testing.CapturedOutput;

class SwitchFromCodeTest {
    @TempDir
    Path dir;

    @Test
    void twoGuestsOnASwitchBuiltInCodePingEachOtherAndEverythingIsClosedAfterwards() throws Exception {
        CapturedOutput.warmUpJdkFds();
        long fds = CapturedOutput.openFds();
        String out = CapturedOutput.of(() -> assertEquals(0, SwitchFromCode.run(new String[] {dir.toString()}, System.out)));
        for (int seq = 1; seq <= 3; seq++) {
            assertTrue(Pattern.compile("ping a \\(192\\.168\\.10\\.11, 02:00:00:00:0a:01\\) -> b \\(192\\.168\\.10\\.12, 02:00:00:00:0a:02\\) seq "
                    + seq + ": reply in [\\d.]+ ms, TTL 64").matcher(out).find(), out);
        }
        // a's ARP request(s) and three echo requests went in at port a and out at port b; b's answers the other way.
        long[] a = portCounts(out, "a");
        long[] b = portCounts(out, "b");
        assertTrue(a[0] >= 4 && b[0] >= 4, out);
        assertEquals(a[0], b[1], "every frame a sent reached b: " + out);
        assertEquals(b[0], a[1], "every frame b sent reached a: " + out);
        assertTrue(Files.notExists(dir.resolve("a.sock")) && Files.notExists(dir.resolve("b.sock")), "sockets removed");
        CapturedOutput.awaitFds(fds);
    }

    /** The rx and tx frame counts the sample printed for {@code port}. */
    private static long[] portCounts(String out, String port) {
        Matcher m = Pattern.compile("port " + port + ": connected, rx (\\d+) frames, tx (\\d+) frames").matcher(out);
        assertTrue(m.find(), out);
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
    }
}
