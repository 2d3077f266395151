package io.virtio4j.samples.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.virtio4j.samples.CapturedOutput;

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
        // Port a carried the ARP request and three echo requests in, the ARP reply and three echo replies out (at least).
        assertTrue(Pattern.compile("port a: connected, rx ([4-9]|\\d\\d+) frames, tx ([4-9]|\\d\\d+) frames").matcher(out).find(), out);
        assertTrue(Pattern.compile("port b: connected, rx ([4-9]|\\d\\d+) frames, tx ([4-9]|\\d\\d+) frames").matcher(out).find(), out);
        assertTrue(Files.notExists(dir.resolve("a.sock")) && Files.notExists(dir.resolve("b.sock")), "sockets removed");
        CapturedOutput.awaitFds(fds);
    }
}
